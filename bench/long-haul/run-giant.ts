/**
 * Giant object across workers (issue 16): one large object copied by the whole pipeline
 * (jobsender + N worker processes) through the link emulator, with N from `--workers 1,3` and
 * the same per-worker limits for every process (MaxConnections, ChunkSize, SplitThreshold,
 * SplitSliceSize in giant-ini.ts), `--runs` runs per N in rotating order, every run verified
 * byte for byte. Reports medians, MB/s, the speedup over the first N, and which worker
 * processes copied slices. Flags: giant-options.ts and README.md.
 *
 *   node --import tsx bench/long-haul/run-giant.ts [--workers 1,3] [--runs 3] [--size-mib 240]
 *     [--max-connections 8] [--chunk-mib 5] [--split-threshold-mib 100] [--slice-mib 20]
 *     [--no-link | --rtt-ms 200 --per-connection-mbps 1 [--total-mbps N]] [--timeout-sec 900]
 *     [--max-load 1.5] [--keep]
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { destroyClients } from "../../packages/common/src/index.js";
import { deleteBucket } from "../../test/support/cleanup.js";
import { ROOT } from "../../test/support/local-stack.js";
import { type Dataset, generate } from "../copy/datasets.js";
import { ensureBucket, localClients } from "../copy/s3.js";
import { UsageError } from "./cli-options.js";
import { writeGiantIni } from "./giant-ini.js";
import { type GiantOptions, parseGiantOptions } from "./giant-options.js";
import { type GiantContext, giantLogRoot, giantRun, waitForCalm } from "./giant-run.js";
import { type GiantRun, type GiantShape, giantMarkdown, summarizeGiant } from "./giant-summary.js";
import { openLink } from "./open-link.js";
import { prepareBench, say } from "./processes.js";

function options(): GiantOptions {
  try {
    return parseGiantOptions(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    say(`run-giant: ${err.message}`);
    process.exit(2);
  }
}

/** The one object (bench/copy's deterministic bytes, one PUT: its ETag is its MD5). */
function giantDataset(o: GiantOptions): Dataset {
  const key = `giant/${String(o.sizeMiB).padStart(6, "0")}m.bin`;
  const objects = [{ key, size: o.sizeMiB * 2 ** 20 }];
  return { name: "large", description: "one giant object", objects, putConcurrency: 1 };
}

/** Every worker count `runs` times, the order rotating from run to run. */
async function runAll(o: GiantOptions, ctx: GiantContext): Promise<GiantRun[]> {
  const results: GiantRun[] = [];
  for (let run = 1; run <= o.runs; run++) {
    const order = o.workers.map((_, i) => o.workers[(i + run - 1) % o.workers.length]);
    for (const n of order) {
      if (n === undefined) continue;
      const load = await waitForCalm(o.maxLoad, say);
      results.push(await giantRun(ctx, n, run, say, load));
    }
  }
  return results;
}

/** Prints the table and writes the results' .json and .md; returns the .json's path. */
function report(o: GiantOptions, shape: GiantShape, ini: string, results: GiantRun[]): string {
  const rows = summarizeGiant(shape, o.workers, results);
  const table = giantMarkdown(rows);
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const out = join(ROOT, ".local", "bench", `giant-results-${stamp}.json`);
  const header = { argv: process.argv.slice(2), options: o, ini, bytes: shape.bytes };
  writeFileSync(out, `${JSON.stringify({ ...header, rows, runs: results }, null, 2)}\n`);
  writeFileSync(out.replace(/\.json$/, ".md"), table);
  process.stdout.write(table);
  return out;
}

async function main(): Promise<void> {
  const o = options();
  prepareBench("run-giant");
  const ini = writeGiantIni(o.limits);
  const { clients } = await localClients();
  const dataset = giantDataset(o);
  const srcBucket = `lh-src-giant-${o.sizeMiB}m`;
  const bytes = dataset.objects.reduce((n, x) => n + x.size, 0);
  say(`generating s3://${srcBucket} (global tenant, ${o.sizeMiB} MiB in one PUT)...`);
  await ensureBucket(clients.sourceS3, srcBucket);
  await generate(clients.sourceS3, srcBucket, dataset);
  const { link, endpoint } = await openLink(o, say);
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const ctx: GiantContext = {
    clients,
    link,
    accessKeyEndpoint: endpoint,
    ini,
    srcBucket,
    timeoutSec: o.timeoutSec,
    logRoot: giantLogRoot(stamp),
  };
  say(`ini ${ini}: ${JSON.stringify(o.limits)}; worker logs under ${ctx.logRoot}`);
  try {
    const results = await runAll(o, ctx);
    const shape: GiantShape = { bytes, link: o.shape, maxConnections: o.limits.maxConnections };
    say(`results: ${report(o, shape, ini, results)}`);
    if (results.some((r) => !r.verified)) process.exitCode = 1;
  } finally {
    await link?.close();
    if (!o.keep) await deleteBucket(clients.sourceS3, srcBucket);
    destroyClients(clients);
  }
}

await main();
