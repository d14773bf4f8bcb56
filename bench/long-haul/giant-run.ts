/**
 * One giant-object run: a fresh china bucket, the pipeline with N worker processes (pipeline.ts),
 * every byte checked (bench/copy/verify.ts: size, and a multipart copy downloaded and its MD5
 * compared with the source's), the workers' logs read for the slices each copied, the bucket
 * deleted again. The workers' JSON lines go to a directory per run (BENCH_WORKER_LOG_DIR, which
 * pipeline.ts writes them to), under the one given in the environment or the bench's own.
 */
import { randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { AwsClients } from "../../packages/common/src/index.js";
import { deleteBucket } from "../../test/support/cleanup.js";
import { ensureBucket } from "../copy/s3.js";
import { verifyCopy } from "../copy/verify.js";
import { type GiantRun, sliceSpread, type WorkerLog } from "./giant-summary.js";
import type { Link } from "./link.js";
import { runPipeline } from "./pipeline.js";
import { BENCH_DIR } from "./processes.js";

/** What every run of a session shares. */
export interface GiantContext {
  readonly clients: AwsClients;
  readonly link: Link | undefined;
  readonly accessKeyEndpoint: string;
  readonly ini: string;
  readonly srcBucket: string;
  readonly timeoutSec: number;
  /** Where this session's per-run log directories go. */
  readonly logRoot: string;
}

/** The session's log root: `$BENCH_WORKER_LOG_DIR/giant-<stamp>` or the bench's own. */
export function giantLogRoot(stamp: string): string {
  return join(process.env.BENCH_WORKER_LOG_DIR ?? join(BENCH_DIR, "logs"), `giant-${stamp}`);
}

/** Every `*-worker-<n>.jsonl` in `dir`, in worker order. */
export function readWorkerLogs(dir: string): WorkerLog[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .flatMap((f) => {
      const m = /-worker-(\d+)\.jsonl$/.exec(f);
      return m?.[1] === undefined ? [] : [{ worker: Number(m[1]), file: join(dir, f) }];
    })
    .sort((a, b) => a.worker - b.worker)
    .map(({ worker, file }) => ({
      worker,
      lines: readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    }));
}

/** Waits up to 10 minutes for the 1-minute load average to drop to `maxLoad`; returns it. */
export async function waitForCalm(maxLoad: number, say: (line: string) => void): Promise<number> {
  const load = () => Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
  for (let waited = 0; load() > maxLoad && waited < 600; waited += 10) {
    if (waited === 0) say(`  load ${load()} > ${maxLoad}: waiting (at most 10 minutes)`);
    await sleep(10_000);
  }
  return load();
}

/** Runs the pipeline with `workers` processes once; never throws. */
export async function giantRun(
  ctx: GiantContext,
  workers: number,
  run: number,
  say: (line: string) => void,
  loadBefore?: number,
): Promise<GiantRun> {
  const dstBucket = `lh-dst-giant-${run}-${workers}w-${randomUUID().slice(0, 8)}`;
  const logDir = join(ctx.logRoot, `run-${run}-${workers}w`);
  const id = { workers, run, ...(loadBefore === undefined ? {} : { loadBefore }) };
  const before = process.env.BENCH_WORKER_LOG_DIR;
  await ensureBucket(ctx.clients.destinationS3, dstBucket);
  const connections0 = ctx.link?.connections();
  try {
    process.env.BENCH_WORKER_LOG_DIR = logDir; // read by pipeline.ts when the workers stop
    const p = await runPipeline({
      clients: ctx.clients,
      ini: ctx.ini,
      accessKeyEndpoint: ctx.accessKeyEndpoint,
      srcBucket: ctx.srcBucket,
      dstBucket,
      expectedObjects: 1,
      workers,
      timeoutSec: ctx.timeoutSec,
    });
    const connections =
      connections0 === undefined ? undefined : (ctx.link?.connections() ?? 0) - connections0;
    const verdict = await verifyCopy(
      ctx.clients.sourceS3,
      ctx.srcBucket,
      ctx.clients.destinationS3,
      dstBucket,
    );
    const spread = sliceSpread(readWorkerLogs(logDir));
    const problems = [...verdict.problems, ...p.status.problems];
    const result: GiantRun = {
      ...id,
      seconds: p.seconds,
      verified: problems.length === 0,
      problems,
      ...(connections === undefined ? {} : { connections }),
      spread,
      timedCpuSeconds: p.timedCpuSeconds,
      workerPeakRssMiB: p.workerPeakRssMiB,
      jobsenderSeconds: p.jobsenderSeconds,
    };
    say(`  run ${run}, ${workers} worker(s): ${describe(result)}; logs ${logDir}`);
    return result;
  } catch (err) {
    say(`  run ${run}, ${workers} worker(s): FAILED ${err instanceof Error ? err.message : err}`);
    return { ...id, seconds: Number.NaN, verified: false, problems: [String(err)] };
  } finally {
    if (before === undefined) delete process.env.BENCH_WORKER_LOG_DIR;
    else process.env.BENCH_WORKER_LOG_DIR = before;
    await deleteBucket(ctx.clients.destinationS3, dstBucket);
  }
}

/** The line a run leaves on stderr. */
function describe(r: GiantRun): string {
  const s = r.spread;
  const parts = [
    `${r.seconds.toFixed(1)} s`,
    `load before ${r.loadBefore}`,
    `jobsender done at ${r.jobsenderSeconds?.toFixed(1)} s`,
    ...(r.connections === undefined ? [] : [`${r.connections} connections`]),
    `worker CPU ${r.timedCpuSeconds?.toFixed(1)} s`,
    `peak RSS ${r.workerPeakRssMiB?.map((m) => m.toFixed(0)).join("/")} MiB`,
    s?.slices === undefined
      ? "no split"
      : `split into ${s.slices} (${s.slicesSent} sent), slices per worker ${s.slicesPerWorker.join("+")}, ` +
        `slice phase ${s.slicePhaseSeconds?.toFixed(1)} s, complete ${s.completeSeconds?.toFixed(1)} s`,
    ...(s === undefined || s.errorLines + s.warnLines === 0
      ? []
      : [`${s.errorLines} error / ${s.warnLines} warn lines: ${s.notices.join(", ")}`]),
  ];
  const verdict = r.verified ? "verified" : `NOT VERIFIED: ${r.problems.slice(0, 3).join("; ")}`;
  return `${parts.join(", ")}, ${verdict}`;
}
