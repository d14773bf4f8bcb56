/**
 * Listing + size-only diff of N objects per side: the jobsender (`--dry-run`, bundled) against
 * `rclone check --size-only`, on the local stack's two tenants. The buckets are populated once
 * (untimed, idempotent), then each run times one tool under `/usr/bin/time -v`, the tools'
 * order rotating from run to run. A run whose result is not exactly the scripted difference is
 * a failure and left out of the medians. The buckets are deleted at the end unless `--keep`.
 *
 *   node --import tsx bench/listing/run-listing-bench.ts [--objects 100000] [--runs 3]
 *     [--tools ours,rclone,rclone-fast-list] [--keep] [--max-load 1.5]
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { destroyClients } from "../../packages/common/src/index.js";
import { collectGarbage, deleteBucket } from "../../test/support/cleanup.js";
import { stack } from "../../test/support/local-stack.js";
import { ensureQueues } from "../../test/support/provision.js";
import { BENCH_DIR, measure, writeRcloneConfig } from "../copy/measure.js";
import { ensureBucket, listPages, localClients } from "../copy/s3.js";
import { buildDataset, syncBucket } from "./dataset.js";
import { type ListingRun, markdown } from "./report.js";
import {
  bundleJobsender,
  checkOurs,
  checkRclone,
  commands,
  QUEUE,
  RCLONE_REPORT,
  TOOLS,
  type Tool,
  writeJobsenderConfig,
} from "./tools.js";

const { values } = parseArgs({
  options: {
    objects: { type: "string", default: "100000" },
    runs: { type: "string", default: "3" },
    tools: { type: "string", default: "ours,rclone,rclone-fast-list" },
    /** Leave the populated buckets for the next invocation (populating takes minutes). */
    keep: { type: "boolean", default: false },
    /** Wait (up to 3 minutes) before a run while the 1-minute load average is above this. */
    "max-load": { type: "string", default: "1.5" },
  },
});
const N = Number(values.objects);
const RUNS = Number(values.runs);
const MAX_LOAD = Number(values["max-load"]);
const tools = TOOLS.filter((t) => values.tools.split(",").includes(t));
const log = (msg: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

if (!stack("up")) throw new Error("the local stack did not start (test/local-stack/stack.sh up)");
mkdirSync(BENCH_DIR, { recursive: true });
writeRcloneConfig();
bundleJobsender();
// MaxParallelFile 8 → 76 sockets per S3 client (s3SocketCount), enough for 64 PUTs at once.
const { clients } = await localClients({ MaxParallelFile: "8" });
const [srcS3, dstS3] = [clients.sourceS3, clients.destinationS3];
const [src, dst] = [`bench-listing-${N}-src`, `bench-listing-${N}-dst`];
const runs: ListingRun[] = [];

try {
  await ensureQueues(clients.sqs, QUEUE, `${QUEUE}-DLQ`);
  const ini = writeJobsenderConfig(N, src, dst);
  const d = buildDataset(N);
  log(
    `dataset: ${d.source.size} source, ${d.destination.size} destination objects; expected ` +
      `${d.missing.size} missing + ${d.sizeDiffers.size} size-differs = ${d.missing.size + d.sizeDiffers.size} jobs, ${d.extra.size} destination-only`,
  );
  await ensureBucket(srcS3, src);
  await ensureBucket(dstS3, dst);
  const started = performance.now();
  for (const [s3, bucket, want] of [
    [srcS3, src, d.source],
    [dstS3, dst, d.destination],
  ] as const) {
    const done = await syncBucket(s3, bucket, want, 64, log);
    log(`${bucket}: ${done.put} put, ${done.deleted} deleted`);
  }
  log(`populated in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  await probeSequentialListing(src);

  const argv = commands(ini, src, dst);
  for (let run = 1; run <= RUNS; run++) {
    const order = tools.map((_, i) => tools[(i + run - 1) % tools.length] as Tool);
    for (const tool of order) runs.push(await runOnce(tool, run, argv[tool], d));
  }
} finally {
  if (!values.keep) {
    log(`deleting ${src} and ${dst}`);
    await deleteBucket(srcS3, src);
    await deleteBucket(dstS3, dst);
    collectGarbage();
  }
  destroyClients(clients);
}

const table = markdown(runs, tools);
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const out = join(BENCH_DIR, `listing-results-${N}-${stamp}`);
writeFileSync(`${out}.json`, `${JSON.stringify(runs, null, 2)}\n`);
writeFileSync(`${out}.md`, `${table}\n`);
console.log(table);
log(`raw runs: ${out}.json`);
process.exitCode = runs.every((r) => r.ok) ? 0 : 1;

async function runOnce(
  tool: Tool,
  run: number,
  argv: readonly string[],
  d: ReturnType<typeof buildDataset>,
): Promise<ListingRun> {
  const loadBefore = await waitForCalm();
  rmSync(RCLONE_REPORT, { force: true });
  const m = await measure(argv);
  const problems =
    tool === "ours"
      ? checkOurs(m.stdout, d, src, dst)
      : checkRclone(existsSync(RCLONE_REPORT) ? readFileSync(RCLONE_REPORT, "utf8") : "", d);
  // rclone check exits 1 when it found differences, and there always are some here.
  const expectedExit = tool === "ours" ? 0 : 1;
  if (m.exitCode !== expectedExit) {
    problems.unshift(`exit ${m.exitCode} (expected ${expectedExit}): ${m.stderr.slice(-400)}`);
  }
  const cpuSeconds = m.userSeconds + m.systemSeconds;
  const inner = / in ([\d.]+) s\n/.exec(m.stderr)?.[1];
  const r: ListingRun = {
    tool,
    run,
    ok: problems.length === 0,
    problems,
    objectsListed: d.source.size + d.destination.size,
    wallSeconds: m.wallSeconds,
    cpuSeconds,
    peakRssMiB: m.peakRssMiB,
    serverCpuSeconds: m.serverCpuSeconds,
    otherCpuSeconds: m.machineCpuSeconds - cpuSeconds - m.serverCpuSeconds,
    loadBefore,
    innerSeconds: tool === "ours" && inner !== undefined ? Number(inner) : undefined,
  };
  log(
    `${tool} run ${run}: ${r.ok ? "ok" : "FAILED"} ${r.wallSeconds.toFixed(2)} s` +
      `${r.innerSeconds === undefined ? "" : ` (${r.innerSeconds} s inside)`}, ` +
      `cpu ${cpuSeconds.toFixed(2)} s, rss ${r.peakRssMiB.toFixed(0)} MiB, ` +
      `rgw+osd ${r.serverCpuSeconds.toFixed(2)} s, other ${r.otherCpuSeconds.toFixed(2)} s, ` +
      `load before ${loadBefore}${r.ok ? "" : `: ${problems.join("; ")}`}`,
  );
  return r;
}

/** Waits up to 3 minutes for the 1-minute load average to drop to MAX_LOAD; returns it. */
async function waitForCalm(): Promise<number> {
  const load = () => Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
  for (let waited = 0; load() > MAX_LOAD && waited < 180; waited += 10) {
    if (waited === 0) log(`load ${load()} > ${MAX_LOAD}: waiting`);
    await sleep(10_000);
  }
  return load();
}

/**
 * Where the time goes: one plain sequential ListObjectsV2 walk of the source from this
 * process (untimed by GNU time), giving the server's cost of one 1,000-key page.
 */
async function probeSequentialListing(bucket: string): Promise<void> {
  const t0 = performance.now();
  let pages = 0;
  let objects = 0;
  for await (const page of listPages(srcS3, bucket)) {
    pages++;
    objects += page.length;
  }
  const ms = performance.now() - t0;
  log(
    `probe: sequential listing of ${bucket}: ${objects} objects, ${pages} pages in ` +
      `${(ms / 1000).toFixed(2)} s = ${(ms / pages).toFixed(1)} ms per page`,
  );
}
