/**
 * The copy benchmark, source tenant → destination tenant: for each dataset, generate it once
 * in the global tenant (untimed), then N times, for each tool (the order rotating from run to
 * run): empty the destination, run the tool under `/usr/bin/time -v`, verify. A run that does not
 * verify is recorded as failed and left out of the medians. Between datasets every benchmark
 * object is deleted and RGW garbage collection runs, so memstore does not fill.
 *
 *   pnpm exec tsx bench/copy/run-bench.ts [--runs 3] [--datasets large,small,mixed] [--limit N]
 *     [--tools ours,ours-defaults,rclone] [--ours-flags="--max-parallel-file 4"] [--tls]
 *
 * `ours` runs with the parity settings (rclone's flags translated, see OURS_SETTINGS),
 * `ours-defaults` with config/local.ini as it is. `--tls`: the copiers talk HTTPS to a second,
 * TLS-only radosgw on the same cluster (tls.ts), as the fleet talks to S3; results go to
 * `copy-results-tls-<time>.json`.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { destroyClients } from "../../packages/common/src/index.js";
import { readStackEnv, STACK_SCRIPT } from "../../test/support/local-stack.js";
import { DATASETS, type Dataset, generate, totalBytes } from "./datasets.js";
import { BENCH_DIR, bundleOurs, commands, measure, writeRcloneConfig } from "./measure.js";
import { markdown, type RunRecord, TOOLS, type Tool } from "./report.js";
import { emptyBucket, ensureBucket, localClients } from "./s3.js";
import { startTlsGateway } from "./tls.js";
import { verifyCopy } from "./verify.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    datasets: { type: "string", default: "large,small,mixed" },
    /** Smoke test: only the first N objects of each dataset. */
    limit: { type: "string" },
    tools: { type: "string", default: "ours,ours-defaults,rclone" },
    /** Extra flags for both `ours` variants (copy-bucket.ts overrides, appended last). */
    "ours-flags": { type: "string", default: "" },
    /** Both tools over HTTPS (a TLS radosgw on the same cluster). */
    tls: { type: "boolean", default: false },
  },
});
const RUNS = Number(values.runs);
const wanted = values.datasets.split(",");
const tools = TOOLS.filter((t) => values.tools.split(",").includes(t));
const oursFlags = values["ours-flags"].split(/\s+/).filter(Boolean);
const limit = values.limit === undefined ? Infinity : Number(values.limit);
const datasets: Dataset[] = DATASETS.filter((d) => wanted.includes(d.name)).map((d) => ({
  ...d,
  objects: d.objects.slice(0, limit),
}));

execFileSync("bash", [STACK_SCRIPT, "up"], { stdio: ["ignore", 2, 2] });
mkdirSync(BENCH_DIR, { recursive: true });
const tls = values.tls ? await startTlsGateway() : undefined;
process.on("exit", () => tls?.stop());
writeRcloneConfig(tls?.endpoint);
bundleOurs();
const { clients } = await localClients();
const [src, dst] = [clients.sourceS3, clients.destinationS3];
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const jsonFile = join(BENCH_DIR, `copy-results-${tls ? "tls-" : ""}${stamp}.json`);
const records: RunRecord[] = [];
const log = (msg: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

function gc(): void {
  const conf = readStackEnv().LOCAL_CEPH_CONF ?? "";
  execFileSync("timeout", ["300", "radosgw-admin", "-c", conf, "gc", "process", "--include-all"], {
    stdio: "ignore",
  });
}

async function runOnce(d: Dataset, tool: Tool, run: number): Promise<void> {
  const [srcBucket, dstBucket] = [`bench-${d.name}-src`, `bench-${d.name}-dst`];
  await emptyBucket(dst, dstBucket);
  gc();
  const argv = commands(srcBucket, dstBucket, tls?.caFile)[tool];
  const m = await measure(tool === "rclone" ? argv : [...argv, ...oursFlags], {
    env: tool === "rclone" ? {} : (tls?.copierEnv ?? {}),
    serverPids: tls === undefined ? [] : [tls.pid],
  });
  const verdict = await verifyCopy(src, srcBucket, dst, dstBucket);
  const problems = [...verdict.problems];
  if (m.exitCode !== 0) problems.unshift(`exit ${m.exitCode}: ${m.stderr.slice(-500)}`);
  const bytes = totalBytes(d);
  const record: RunRecord = {
    dataset: d.name,
    tool,
    run,
    ok: m.exitCode === 0 && verdict.ok,
    problems,
    objects: d.objects.length,
    bytes,
    wallSeconds: m.wallSeconds,
    mibPerSec: bytes / 2 ** 20 / m.wallSeconds,
    objectsPerSec: d.objects.length / m.wallSeconds,
    cpuSeconds: m.userSeconds + m.systemSeconds,
    peakRssMiB: m.peakRssMiB,
    serverCpuSeconds: m.serverCpuSeconds,
    machineCpuSeconds: m.machineCpuSeconds,
    ...(tool !== "rclone" && m.exitCode === 0
      ? { ours: JSON.parse(m.stdout.trim().split("\n").at(-1) ?? "{}") }
      : {}),
  };
  records.push(record);
  writeFileSync(jsonFile, `${JSON.stringify(records, null, 2)}\n`);
  log(
    `${d.name} ${tool} run ${run}: ${record.ok ? "ok" : "FAILED"} ${m.wallSeconds.toFixed(2)} s, ` +
      `${record.mibPerSec.toFixed(1)} MiB/s, ${record.objectsPerSec.toFixed(1)} obj/s, ` +
      `cpu ${record.cpuSeconds.toFixed(2)} s, rss ${m.peakRssMiB.toFixed(0)} MiB, ` +
      `rgw+osd ${m.serverCpuSeconds.toFixed(2)} s${record.ok ? "" : `: ${problems.join("; ")}`}`,
  );
}

for (const d of datasets) {
  const [srcBucket, dstBucket] = [`bench-${d.name}-src`, `bench-${d.name}-dst`];
  await ensureBucket(src, srcBucket);
  await ensureBucket(dst, dstBucket);
  log(`${d.name}: generating ${d.objects.length} objects, ${totalBytes(d)} bytes`);
  await generate(src, srcBucket, d);
  for (let run = 1; run <= RUNS; run++) {
    // The order rotates from run to run, so no tool always runs first or right after another.
    const order = tools.map((_, i) => tools[(i + run - 1) % tools.length] as Tool);
    for (const tool of order) await runOnce(d, tool, run);
  }
  await emptyBucket(dst, dstBucket);
  await emptyBucket(src, srcBucket);
  gc();
}
destroyClients(clients);

const table = markdown(
  records,
  datasets.map((d) => d.name),
);
writeFileSync(jsonFile.replace(/\.json$/, ".md"), `${table}\n`);
console.log(table);
log(`raw runs: ${jsonFile}`);
