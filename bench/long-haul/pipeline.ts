/**
 * Our whole pipeline, once: a fresh queue (+ DLQ) and status table, N worker processes in batch
 * mode (`--until-idle`) already polling, then the jobsender (which lists the destination and
 * sends one message per object). Timed from the jobsender's start to the last "object copied"
 * line (pipeline-timing.ts); each worker's peak RSS is read, then the workers are stopped with
 * SIGTERM instead of waiting out their idle time, and the status table is checked (every item
 * done). Settings: the variant's ini (ours-ini.ts).
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { accessKeyEndpointEnv } from "../../test/support/http-proxy.js";
import { readStackEnv } from "../../test/support/local-stack.js";
import { ensureQueues, ensureStatusTable } from "../../test/support/provision.js";
import { type ControlClients, ddbSdk, sqsSdk } from "./control-clients.js";
import { sleepUntil, timeCopies } from "./pipeline-timing.js";
import { cpuSeconds, peakRssMiB, sumOver } from "./proc-stats.js";
import { BENCH_DIR, type Program, startProgram } from "./processes.js";
import { checkStatusTable, type StatusCheck } from "./status-check.js";

/** One run's inputs. */
export interface PipelineOptions {
  readonly clients: ControlClients;
  /** The ini every process runs with (ours-ini.ts). */
  readonly ini: string;
  /** The access-key side's S3 endpoint: the link, or with `--no-link` the china tenant. */
  readonly accessKeyEndpoint: string;
  readonly srcBucket: string;
  /** Exists and is empty. */
  readonly dstBucket: string;
  /** Objects in the source: the status table must end with as many items, all done. */
  readonly expectedObjects: number;
  readonly workers: number;
  readonly timeoutSec: number;
}

/** What one run of the pipeline gave. */
export interface PipelineRun {
  /** Jobsender start → last "object copied" line. */
  readonly seconds: number;
  /** Jobsender start → its exit, and → the first "object copied" line. */
  readonly jobsenderSeconds: number;
  readonly firstCopySeconds: number;
  readonly objectsCopied: number;
  readonly jobsSent: number;
  readonly errorLines: number;
  /** CPU seconds (user + system) of every worker process over its whole life, summed. */
  readonly workerCpuSeconds: number;
  /** Worker CPU seconds from the jobsender's start to the last "object copied", summed. */
  readonly timedCpuSeconds: number;
  /** {@link timedCpuSeconds} per object copied, in ms. */
  readonly cpuMsPerObject: number;
  /** Worker CPU per object from a quarter of the objects on (warm workers), ms; NaN if none. */
  readonly warmCpuMsPerObject: number;
  /** Peak RSS (VmHWM) of each worker just before it was stopped, MiB. */
  readonly workerPeakRssMiB: readonly number[];
  /** The status table after the workers stopped. */
  readonly status: StatusCheck;
  /** What the first worker logged at start (its concurrency settings, as loaded). */
  readonly workerSettings: Record<string, unknown>;
}

/** One pipeline run from `srcBucket` to `dstBucket`. */
export async function runPipeline(o: PipelineOptions): Promise<PipelineRun> {
  const name = `s3mig-longhaul-${randomUUID().slice(0, 8)}`;
  // The stack's visibility timeout (infra's default), which also sets the objects' leases.
  const { queueUrl, dlqUrl } = await ensureQueues(o.clients.sqs, name, `${name}-DLQ`, {
    visibilityTimeoutSec: 300,
  });
  await ensureStatusTable(o.clients.dynamodb, name);
  const map = join(BENCH_DIR, `${name}-buckets.json`);
  writeFileSync(
    map,
    JSON.stringify([
      { src_bucket: o.srcBucket, src_prefix: "", des_bucket: o.dstBucket, des_prefix: "" },
    ]),
  );
  const env = {
    ...readStackEnv(),
    ...accessKeyEndpointEnv(o.accessKeyEndpoint, name),
    S3MIG_table_queue_name: name,
    S3MIG_ssm_parameter_bucket: `file:${map}`,
  };
  const workers = Array.from({ length: o.workers }, (_, i) =>
    startProgram(
      "worker",
      ["--config", o.ini, "--until-idle", "--idle-seconds", "60", "--worker-id", `lh-${i}`],
      env,
    ),
  );
  try {
    await Promise.all(workers.map((w) => w.waitFor((l) => l.message === "worker started", 60_000)));
    return await measure(o, workers, env, name);
  } finally {
    for (const w of workers) w.kill();
    await o.clients.sqs.send(new sqsSdk.DeleteQueueCommand({ QueueUrl: queueUrl }));
    await o.clients.sqs.send(new sqsSdk.DeleteQueueCommand({ QueueUrl: dlqUrl }));
    await o.clients.dynamodb.send(new ddbSdk.DeleteTableCommand({ TableName: name }));
    // The bucket map, and the credentials copy accessKeyEndpointEnv wrote.
    for (const f of [map, join(tmpdir(), `credentials-${name}.json`)]) rmSync(f, { force: true });
  }
}

/** Times the copies, reads the workers' peaks, stops them, then checks the status table. */
async function measure(
  o: PipelineOptions,
  workers: readonly Program[],
  env: Record<string, string>,
  table: string,
): Promise<PipelineRun> {
  const copies = await timeCopies(workers, o.ini, env, o.timeoutSec, o.expectedObjects);
  const pids = workers.map((w) => w.pid);
  const workerPeakRssMiB = pids.map((pid) => peakRssMiB(pid) ?? Number.NaN);
  const workerCpuSeconds = sumOver(pids, cpuSeconds);
  for (const w of workers) w.kill(false);
  await Promise.race([
    Promise.all(workers.map((w) => w.exited)),
    sleepUntil(performance.now() + 30_000),
  ]);
  keepWorkerLogs(workers, table);
  const status = await checkStatusTable(
    o.clients.dynamodb,
    table,
    o.expectedObjects,
    copies.startedAtMs,
  );
  return {
    seconds: copies.seconds,
    jobsenderSeconds: copies.jobsenderSeconds,
    firstCopySeconds: copies.firstCopySeconds,
    objectsCopied: copies.copied,
    jobsSent: copies.jobsSent,
    errorLines: workers.flatMap((w) => w.lines).filter((l) => l.line.level === "error").length,
    workerCpuSeconds,
    timedCpuSeconds: copies.cpuSeconds,
    cpuMsPerObject: (copies.cpuSeconds * 1000) / copies.copied,
    warmCpuMsPerObject:
      copies.warm === undefined ? Number.NaN : (copies.warm.cpuSeconds * 1000) / copies.warm.copied,
    workerPeakRssMiB,
    status,
    workerSettings: workers[0]?.lines.find((l) => l.line.message === "worker started")?.line ?? {},
  };
}

/**
 * With `BENCH_WORKER_LOG_DIR` set, each worker's JSON lines (with the time each arrived here)
 * go to `<dir>/<table>-worker-<n>.jsonl`, for a timeline of one run.
 */
function keepWorkerLogs(workers: readonly Program[], table: string): void {
  const dir = process.env.BENCH_WORKER_LOG_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  for (const [n, w] of workers.entries()) {
    const lines = w.lines.map((l) => JSON.stringify({ at: l.at, ...l.line }));
    writeFileSync(join(dir, `${table}-worker-${n}.jsonl`), `${lines.join("\n")}\n`);
    writeFileSync(join(dir, `${table}-worker-${n}.stderr`), w.stderr());
  }
}
