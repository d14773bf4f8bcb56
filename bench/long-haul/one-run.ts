/**
 * One run of one tool: a fresh china bucket, the copy (ours or rclone), the check of every
 * object (size and MD5; for ours also the status table), the bucket deleted again.
 */
import { randomUUID } from "node:crypto";
import type { AwsClients } from "../../packages/common/src/index.js";
import { deleteBucket } from "../../test/support/cleanup.js";
import { ensureBucket } from "../copy/s3.js";
import { verifyCopy } from "../copy/verify.js";
import type { ToolSpec } from "./cli-options.js";
import type { LongHaulDataset } from "./datasets.js";
import type { Link } from "./link.js";
import { runPipeline } from "./pipeline.js";
import { runRclone } from "./rclone.js";
import type { RunResult } from "./report.js";

/** What every run of a session shares. */
export interface RunContext {
  readonly clients: AwsClients;
  /** The link, or undefined with `--no-link`. */
  readonly link: Link | undefined;
  /** The access-key side's S3 endpoint: the link's URL, or the china tenant's. */
  readonly accessKeyEndpoint: string;
  /** Ours' tool name → the ini written for it. */
  readonly inis: ReadonlyMap<string, string>;
  readonly workers: number;
  readonly timeoutSec: number;
}

/** A run's measurements, before the copy is checked. */
type Measured = Omit<RunResult, "dataset" | "tool" | "run" | "connections" | "verified">;

async function measure(
  ctx: RunContext,
  tool: ToolSpec,
  srcBucket: string,
  dstBucket: string,
  objects: number,
): Promise<Measured> {
  if (tool.kind === "rclone") {
    const r = await runRclone(tool.name, srcBucket, dstBucket);
    return {
      seconds: r.seconds,
      peakRssMiB: r.peakRssMiB,
      processCpuSeconds: r.cpuSeconds,
      cpuMsPerObject: (r.cpuSeconds * 1000) / objects,
      problems: [],
    };
  }
  const ini = ctx.inis.get(tool.name) ?? "";
  const p = await runPipeline({
    clients: ctx.clients,
    ini,
    accessKeyEndpoint: ctx.accessKeyEndpoint,
    srcBucket,
    dstBucket,
    expectedObjects: objects,
    workers: ctx.workers,
    timeoutSec: ctx.timeoutSec,
  });
  return {
    seconds: p.seconds,
    peakRssMiB: Math.max(...p.workerPeakRssMiB),
    workerPeakRssMiB: p.workerPeakRssMiB,
    workerCpuSeconds: p.workerCpuSeconds,
    timedCpuSeconds: p.timedCpuSeconds,
    cpuMsPerObject: p.cpuMsPerObject,
    warmCpuMsPerObject: p.warmCpuMsPerObject,
    statusTableSeconds: p.status.seconds,
    jobsenderSeconds: p.jobsenderSeconds,
    firstCopySeconds: p.firstCopySeconds,
    ini,
    workerSettings: p.workerSettings,
    problems: p.status.problems,
  };
}

/** The line a run leaves on stderr. */
function describe(r: RunResult, objects: number): string {
  const parts = [
    `${r.seconds.toFixed(1)} s`,
    ...(r.connections === undefined ? [] : [`${r.connections} connections`]),
    ...(r.peakRssMiB === undefined ? [] : [`peak RSS ${r.peakRssMiB.toFixed(0)} MiB`]),
    ...(r.timedCpuSeconds === undefined
      ? []
      : [
          `worker CPU ${r.timedCpuSeconds.toFixed(2)} s in the run (${r.cpuMsPerObject?.toFixed(2)} ms/object, ${r.warmCpuMsPerObject?.toFixed(2)} warm), ${r.workerCpuSeconds?.toFixed(2)} s in all`,
        ]),
    ...(r.processCpuSeconds === undefined
      ? []
      : [`CPU ${r.processCpuSeconds.toFixed(2)} s (${r.cpuMsPerObject?.toFixed(2)} ms/object)`]),
    ...(r.statusTableSeconds === undefined
      ? []
      : [`status table ${r.statusTableSeconds.toFixed(1)} s`]),
    ...(r.jobsenderSeconds === undefined
      ? []
      : [
          `jobsender done at ${r.jobsenderSeconds.toFixed(1)} s, first copy at ${r.firstCopySeconds?.toFixed(1)} s`,
        ]),
  ];
  const verdict = r.verified
    ? `verified ${objects} objects`
    : `NOT VERIFIED: ${r.problems.slice(0, 3).join("; ")}`;
  return `${parts.join(", ")}, ${verdict}`;
}

/** Runs `tool` once on `dataset` (its source in `srcBucket`); never throws. */
export async function oneRun(
  ctx: RunContext,
  dataset: LongHaulDataset,
  tool: ToolSpec,
  run: number,
  srcBucket: string,
  say: (line: string) => void,
): Promise<RunResult> {
  const dstBucket = `lh-dst-${dataset.name}-${run}-${randomUUID().slice(0, 8)}`;
  const objects = dataset.dataset.objects.length;
  const id = { dataset: dataset.name, tool: tool.name, run };
  await ensureBucket(ctx.clients.destinationS3, dstBucket);
  const connections0 = ctx.link?.connections();
  try {
    const m = await measure(ctx, tool, srcBucket, dstBucket, objects);
    const connections =
      connections0 === undefined ? undefined : (ctx.link?.connections() ?? 0) - connections0;
    const verdict = await verifyCopy(
      ctx.clients.sourceS3,
      srcBucket,
      ctx.clients.destinationS3,
      dstBucket,
    );
    const problems = [...verdict.problems, ...m.problems];
    const result: RunResult = {
      ...id,
      ...m,
      connections,
      verified: problems.length === 0,
      problems,
    };
    say(`  run ${run} ${tool.name}: ${describe(result, verdict.objects)}`);
    return result;
  } catch (err) {
    say(`  run ${run} ${tool.name}: FAILED ${err instanceof Error ? err.message : String(err)}`);
    return { ...id, seconds: Number.NaN, verified: false, problems: [String(err)] };
  } finally {
    await deleteBucket(ctx.clients.destinationS3, dstBucket);
  }
}
