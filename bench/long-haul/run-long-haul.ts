/**
 * The long-haul benchmark (issue 15): our whole pipeline (jobsender + worker processes, one or
 * more ini variants) and rclone (defaults, tuned, tuned with 5 MiB parts) copy the global
 * tenant's bucket to the china tenant through the link emulator (link.ts) in front of the china
 * endpoint, or with `--no-link` on loopback. Each run goes to a fresh destination bucket and is
 * verified byte for byte (ours also by its status table); the medians are printed next to the
 * link's physical limit. Flags: cli-options.ts and README.md.
 *
 *   node --import tsx bench/long-haul/run-long-haul.ts [--runs 3] [--datasets mixed,small]
 *     [--tools ours,rclone-defaults,rclone-tuned,rclone-tuned-cutoff] [--variant label=path.ini]…
 *     [--no-link | --rtt-ms 200 --per-connection-mbps 1 [--total-mbps N]] [--workers 1]
 *     [--issue-sizes] [--large-mib 20] [--medium-count 2] [--medium-mib 12]
 *     [--mixed-small-count 50] [--small-count 200] [--small-kib 64] [--timeout-sec 900] [--keep]
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { destroyClients } from "../../packages/common/src/index.js";
import { deleteBucket } from "../../test/support/cleanup.js";
import { ROOT } from "../../test/support/local-stack.js";
import { generate, totalBytes } from "../copy/datasets.js";
import { ensureBucket, localClients } from "../copy/s3.js";
import { type BenchOptions, parseOptions, UsageError } from "./cli-options.js";
import { longHaulDatasets } from "./datasets.js";
import { oneRun, type RunContext } from "./one-run.js";
import { openLink } from "./open-link.js";
import { writeOursIni } from "./ours-ini.js";
import { physicalLimitSeconds } from "./physical-limit.js";
import { prepareBench, say } from "./processes.js";
import { writeRcloneConfig } from "./rclone.js";
import { markdown, type ReportedDataset, type RunResult, summarize } from "./report.js";

function options(): BenchOptions {
  try {
    return parseOptions(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    say(`run-long-haul: ${err.message}`);
    process.exit(2);
  }
}

/** Generates every dataset's source once, then runs every tool `runs` times, in rotating order. */
async function runAll(o: BenchOptions, ctx: RunContext, sources: string[]) {
  const all = longHaulDatasets(o.sizes);
  const results: RunResult[] = [];
  const reported: ReportedDataset[] = [];
  for (const name of o.datasets) {
    const d = all[name];
    const srcBucket = `lh-src-${d.tag}`.slice(0, 63);
    sources.push(srcBucket);
    say(`${name} (${d.description}): generating s3://${srcBucket} (global tenant)...`);
    await ensureBucket(ctx.clients.sourceS3, srcBucket);
    await generate(ctx.clients.sourceS3, srcBucket, d.dataset);
    const sizes = d.dataset.objects.map((x) => x.size);
    reported.push({
      name,
      description: d.description,
      objects: sizes.length,
      bytes: totalBytes(d.dataset),
      ...(o.noLink ? {} : { physicalLimitSeconds: physicalLimitSeconds(sizes, o.shape) }),
    });
    for (let run = 1; run <= o.runs; run++) {
      // The order rotates from run to run, so no tool always goes first.
      const order = o.tools.map((_, i) => o.tools[(i + run - 1) % o.tools.length]);
      for (const tool of order) {
        if (tool !== undefined) results.push(await oneRun(ctx, d, tool, run, srcBucket, say));
      }
    }
  }
  return { results, reported };
}

/** Prints the table and writes the results' .json and .md; returns the .json's path. */
function report(o: BenchOptions, reported: ReportedDataset[], results: RunResult[]): string {
  const tools = o.tools.map((t) => t.name);
  const rows = summarize(reported, tools, results);
  const table = markdown(reported, rows);
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const out = join(ROOT, ".local", "bench", `long-haul-results-${stamp}.json`);
  const header = {
    argv: process.argv.slice(2),
    link: o.noLink ? "none (loopback)" : o.shape,
    sizes: o.sizes,
    workers: o.workers,
    tools: o.tools,
  };
  writeFileSync(
    out,
    `${JSON.stringify({ ...header, datasets: reported, rows, runs: results }, null, 2)}\n`,
  );
  writeFileSync(out.replace(/\.json$/, ".md"), table);
  process.stdout.write(table);
  return out;
}

async function main(): Promise<void> {
  const o = options();
  prepareBench("run-long-haul");
  const inis = new Map(
    o.tools.flatMap((t) => (t.kind === "ours" ? [[t.name, writeOursIni(t.label, t.source)]] : [])),
  );
  const { clients } = await localClients();
  const { link, endpoint } = await openLink(o, say);
  writeRcloneConfig(endpoint);
  const ctx: RunContext = {
    clients,
    link,
    accessKeyEndpoint: endpoint,
    inis,
    workers: o.workers,
    timeoutSec: o.timeoutSec,
  };
  const sources: string[] = [];
  try {
    const { results, reported } = await runAll(o, ctx, sources);
    say(`results: ${report(o, reported, results)}`);
    if (results.some((r) => !r.verified)) process.exitCode = 1;
  } finally {
    await link?.close();
    if (!o.keep) for (const b of sources) await deleteBucket(clients.sourceS3, b);
    destroyClients(clients);
  }
}

await main();
