/**
 * The long-haul benchmark (issue 15, item 1): our whole pipeline (jobsender + worker processes,
 * shipped defaults) and rclone (defaults, and tuned) copy the global tenant's bucket to the
 * china tenant through the link emulator (link.ts) in front of the china endpoint. Each run goes
 * to a fresh destination bucket and is verified byte for byte; the medians are printed next to
 * the link's physical limit. See README.md.
 *
 *   node --import tsx bench/long-haul/run-long-haul.ts [--rtt-ms 200] [--per-connection-mbps 1]
 *     [--total-mbps N] [--runs 3] [--datasets mixed,small] [--tools ours,rclone-defaults,rclone-tuned]
 *     [--workers 1] [--issue-sizes] [--large-mib 20] [--medium-count 2] [--medium-mib 12]
 *     [--mixed-small-count 50] [--small-count 200] [--small-kib 64] [--timeout-sec 900] [--keep]
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { destroyClients } from "../../packages/common/src/index.js";
import { deleteBucket } from "../../test/support/cleanup.js";
import { ROOT, stackIsUp } from "../../test/support/local-stack.js";
import { generate, totalBytes } from "../copy/datasets.js";
import { ensureBucket, localClients } from "../copy/s3.js";
import { verifyCopy } from "../copy/verify.js";
import {
  type DatasetSizes,
  ISSUE_SIZES,
  type LongHaulDatasetName,
  longHaulDatasets,
  QUICK_SIZES,
} from "./datasets.js";
import { MB, startLink } from "./link.js";
import { physicalLimitSeconds } from "./physical-limit.js";
import { runPipeline, writeShippedIni } from "./pipeline.js";
import { BENCH_DIR, bundlePrograms } from "./processes.js";
import { type RCLONE_VARIANTS, runRclone, writeRcloneConfig } from "./rclone.js";
import {
  markdown,
  type ReportedDataset,
  type RunResult,
  summarize,
  TOOLS,
  type Tool,
} from "./report.js";

const { values: a } = parseArgs({
  options: {
    "rtt-ms": { type: "string", default: "200" },
    "per-connection-mbps": { type: "string", default: "1" },
    "total-mbps": { type: "string" },
    runs: { type: "string", default: "3" },
    datasets: { type: "string", default: "mixed,small" },
    tools: { type: "string", default: TOOLS.join(",") },
    workers: { type: "string", default: "1" },
    "issue-sizes": { type: "boolean", default: false },
    "large-mib": { type: "string" },
    "medium-count": { type: "string" },
    "medium-mib": { type: "string" },
    "mixed-small-count": { type: "string" },
    "small-count": { type: "string" },
    "small-kib": { type: "string" },
    "timeout-sec": { type: "string", default: "900" },
    keep: { type: "boolean", default: false },
  },
});
const say = (line: string) => process.stderr.write(`${line}\n`);
function num(flag: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) {
    say(`run-long-haul: --${flag}: got ${value}; expected a number ≥ ${min}`);
    process.exit(2);
  }
  return n;
}
const base = a["issue-sizes"] ? ISSUE_SIZES : QUICK_SIZES;
const sizeFlag = (flag: string, key: keyof DatasetSizes) =>
  a[flag as "large-mib"] === undefined ? base[key] : num(flag, a[flag as "large-mib"], 0);
const sizes: DatasetSizes = {
  largeMiB: sizeFlag("large-mib", "largeMiB"),
  mediumCount: sizeFlag("medium-count", "mediumCount"),
  mediumMiB: sizeFlag("medium-mib", "mediumMiB"),
  mixedSmallCount: sizeFlag("mixed-small-count", "mixedSmallCount"),
  smallCount: sizeFlag("small-count", "smallCount"),
  smallKiB: sizeFlag("small-kib", "smallKiB"),
};
const shape = {
  rttMs: num("rtt-ms", a["rtt-ms"], 0),
  perConnectionBytesPerSec: num("per-connection-mbps", a["per-connection-mbps"], 0.001) * MB,
  totalBytesPerSec:
    a["total-mbps"] === undefined ? undefined : num("total-mbps", a["total-mbps"], 0.001) * MB,
};
const runs = num("runs", a.runs, 1);
const workers = num("workers", a.workers, 1);
const timeoutSec = num("timeout-sec", a["timeout-sec"], 10);
const tools = a.tools.split(",") as Tool[];
const names = a.datasets.split(",") as LongHaulDatasetName[];
const all = longHaulDatasets(sizes);
const unknown = [
  ...tools.filter((t) => !TOOLS.includes(t)).map((t) => `tool ${t}`),
  ...names.filter((n) => !(n in all)).map((n) => `dataset ${n}`),
];
if (unknown.length > 0) {
  say(`run-long-haul: unknown ${unknown.join(", ")}`);
  process.exit(2);
}
if (!stackIsUp()) {
  say("run-long-haul: the local stack is not running (bash test/local-stack/stack.sh up)");
  process.exit(2);
}

mkdirSync(BENCH_DIR, { recursive: true });
say("bundling worker.mjs and jobsender.mjs (infra's bundleApps)...");
bundlePrograms();
const ini = writeShippedIni();
const { clients } = await localClients();
const china = new URL(
  (
    JSON.parse(readFileSync(join(ROOT, ".local", "credentials.json"), "utf8")) as {
      endpoint: string;
    }
  ).endpoint,
);
const link = await startLink({
  upstream: { host: china.hostname, port: Number(china.port) },
  ...shape,
});
writeRcloneConfig(link.url);
say(
  `link ${link.url} → ${china.host}: RTT ${shape.rttMs} ms, ${shape.perConnectionBytesPerSec / MB} MB/s per connection${shape.totalBytesPerSec === undefined ? "" : `, ${shape.totalBytesPerSec / MB} MB/s in total`}`,
);

const results: RunResult[] = [];
const reported: ReportedDataset[] = [];
const sources: string[] = [];
try {
  for (const name of names) {
    const d = all[name];
    const srcBucket = `lh-src-${d.tag}`.slice(0, 63);
    sources.push(srcBucket);
    say(`${name} (${d.description}): generating s3://${srcBucket} (global tenant)...`);
    await ensureBucket(clients.sourceS3, srcBucket);
    await generate(clients.sourceS3, srcBucket, d.dataset);
    const sizesOf = d.dataset.objects.map((o) => o.size);
    reported.push({
      name,
      description: d.description,
      objects: sizesOf.length,
      bytes: totalBytes(d.dataset),
      physicalLimitSeconds: physicalLimitSeconds(sizesOf, shape),
    });
    for (let run = 1; run <= runs; run++) {
      // The order rotates from run to run, so no tool always goes first.
      const order = tools.map((_, i) => tools[(i + run - 1) % tools.length] as Tool);
      for (const tool of order) results.push(await oneRun(name, tool, run, srcBucket));
    }
  }
} finally {
  await link.close();
  if (!a.keep) for (const b of sources) await deleteBucket(clients.sourceS3, b);
  destroyClients(clients);
}

async function oneRun(
  dataset: LongHaulDatasetName,
  tool: Tool,
  run: number,
  srcBucket: string,
): Promise<RunResult> {
  const dstBucket = `lh-dst-${dataset}-${run}-${randomUUID().slice(0, 8)}`;
  await ensureBucket(clients.destinationS3, dstBucket);
  const connections0 = link.connections();
  try {
    const timed =
      tool === "ours"
        ? await runPipeline({
            clients,
            ini,
            linkUrl: link.url,
            srcBucket,
            dstBucket,
            workers,
            timeoutSec,
          })
        : await runRclone(tool as keyof typeof RCLONE_VARIANTS, srcBucket, dstBucket);
    const verdict = await verifyCopy(clients.sourceS3, srcBucket, clients.destinationS3, dstBucket);
    const result: RunResult = {
      dataset,
      tool,
      run,
      seconds: timed.seconds,
      connections: link.connections() - connections0,
      verified: verdict.ok,
      problems: verdict.problems,
      ...("workerCpuSeconds" in timed
        ? { workerCpuSeconds: timed.workerCpuSeconds, workerSettings: timed.workerSettings }
        : {}),
    };
    say(
      `  run ${run} ${tool}: ${timed.seconds.toFixed(1)} s, ${result.connections} connections, ${verdict.ok ? `verified ${verdict.objects} objects` : `NOT VERIFIED: ${verdict.problems.slice(0, 3).join("; ")}`}`,
    );
    return result;
  } catch (err) {
    say(`  run ${run} ${tool}: FAILED ${err instanceof Error ? err.message : String(err)}`);
    return {
      dataset,
      tool,
      run,
      seconds: Number.NaN,
      connections: 0,
      verified: false,
      problems: [String(err)],
    };
  } finally {
    await deleteBucket(clients.destinationS3, dstBucket);
  }
}

const rows = summarize(reported, results);
const table = markdown(reported, rows);
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const out = join(ROOT, ".local", "bench", `long-haul-results-${stamp}.json`);
writeFileSync(
  out,
  `${JSON.stringify({ argv: process.argv.slice(2), link: shape, sizes, workers, datasets: reported, rows, runs: results }, null, 2)}\n`,
);
writeFileSync(out.replace(/\.json$/, ".md"), table);
process.stdout.write(table);
say(`results: ${out}`);
if (results.some((r) => !r.verified)) process.exitCode = 1;
