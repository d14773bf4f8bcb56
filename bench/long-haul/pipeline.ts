/**
 * Our whole pipeline through the link, once: a fresh queue (+ DLQ) and status table, N worker
 * processes in batch mode (`--until-idle`) already polling, then the jobsender (which lists the
 * destination through the link and sends one message per object). Timed from the jobsender's
 * start to the last "object copied" line; the workers are then stopped with SIGTERM instead of
 * waiting out their idle time. Settings: config/s3_migration_config.ini as shipped, translated
 * onto the local stack as config/local.ini does it (see {@link writeShippedIni}).
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { accessKeyEndpointEnv } from "../../test/support/http-proxy.js";
import { ROOT, readStackEnv } from "../../test/support/local-stack.js";
import { ensureQueues, ensureStatusTable } from "../../test/support/provision.js";
import { BENCH_DIR, startProgram } from "./processes.js";

type SqsModule = typeof import("../../test/node_modules/@aws-sdk/client-sqs/dist-types/index.js");
type DdbModule =
  typeof import("../../test/node_modules/@aws-sdk/client-dynamodb/dist-types/index.js");
const requireFromTest = createRequire(new URL("../../test/package.json", import.meta.url));
const sqsSdk = requireFromTest("@aws-sdk/client-sqs") as SqsModule;
const ddbSdk = requireFromTest("@aws-sdk/client-dynamodb") as DdbModule;

/** The clients the pipeline's set-up needs (from the local stack's `localClients`). */
export interface ControlClients {
  readonly sqs: InstanceType<SqsModule["SQSClient"]>;
  readonly dynamodb: InstanceType<DdbModule["DynamoDBClient"]>;
}

/** What one run of the pipeline gave. */
export interface PipelineRun {
  readonly seconds: number;
  readonly objectsCopied: number;
  readonly jobsSent: number;
  readonly errorLines: number;
  /** CPU seconds (user + system) of every worker process, summed. */
  readonly workerCpuSeconds: number;
  /** What the first worker logged at start (its concurrency settings, as loaded). */
  readonly workerSettings: Record<string, unknown>;
}

const SHIPPED_INI = join(ROOT, "config", "s3_migration_config.ini");

/**
 * Writes `.local/bench/long-haul/shipped.ini`: the shipped ini with what config/local.ini changes
 * for the local stack (path-style S3, no instance metadata, short long-polls) and nothing else.
 * Queue, table, bucket map and credentials come per run as `S3MIG_` variables.
 */
export function writeShippedIni(): string {
  const local = [
    "S3ForcePathStyle = True",
    "PollWaitSeconds = 2",
    "InstanceMetadataEndpoint = none",
  ];
  const ini = readFileSync(SHIPPED_INI, "utf8");
  if (!/^\[Partitions\]$/m.test(ini)) throw new Error(`${SHIPPED_INI} has no [Partitions] section`);
  mkdirSync(BENCH_DIR, { recursive: true });
  const path = join(BENCH_DIR, "shipped.ini");
  writeFileSync(path, ini.replace(/^\[Partitions\]$/m, `[Partitions]\n${local.join("\n")}`));
  return path;
}

/** One pipeline run from `srcBucket` to `dstBucket` (which exists, empty) through `linkUrl`. */
export async function runPipeline(o: {
  readonly clients: ControlClients;
  readonly ini: string;
  readonly linkUrl: string;
  readonly srcBucket: string;
  readonly dstBucket: string;
  readonly workers: number;
  readonly timeoutSec: number;
}): Promise<PipelineRun> {
  const name = `s3mig-longhaul-${randomUUID().slice(0, 8)}`;
  const { queueUrl, dlqUrl } = await ensureQueues(o.clients.sqs, name, `${name}-DLQ`);
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
    ...accessKeyEndpointEnv(o.linkUrl, name),
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
    const started = performance.now();
    const jobsender = startProgram("jobsender", ["--config", o.ini], env);
    const code = await jobsender.exited;
    if (code !== 0) throw new Error(`jobsender exited with ${code}: ${jobsender.stderr()}`);
    const finished = jobsender.lines.find((l) => l.line.message === "jobsender finished");
    const jobsSent = Number(finished?.line.jobsSent ?? Number.NaN);
    const copied = () =>
      workers.flatMap((w) => w.lines).filter((l) => l.line.message === "object copied");
    const deadline = started + o.timeoutSec * 1000;
    while (copied().length < jobsSent && performance.now() < deadline) {
      if ((await Promise.race([...workers.map((w) => w.exited), sleep(200)])) !== undefined) break;
    }
    const done = copied();
    if (done.length !== jobsSent) {
      const tail = workers.map((w) => w.stderr().slice(-1500)).join("\n");
      const errors = workers.flatMap((w) => w.lines).filter((l) => l.line.level === "error");
      throw new Error(
        `${done.length} of ${jobsSent} jobs copied; ${JSON.stringify(finished?.line)}; ` +
          `errors: ${JSON.stringify(errors.slice(0, 3).map((l) => l.line))}; stderr: ${tail}`,
      );
    }
    const last = Math.max(...done.map((l) => l.at));
    const workerCpuSeconds = workers.reduce((n, w) => n + procCpuSeconds(w.pid), 0);
    for (const w of workers) w.kill(false);
    await Promise.race([Promise.all(workers.map((w) => w.exited)), sleep(30_000)]);
    return {
      seconds: (last - started) / 1000,
      objectsCopied: done.length,
      jobsSent,
      errorLines: workers.flatMap((w) => w.lines).filter((l) => l.line.level === "error").length,
      workerCpuSeconds,
      workerSettings:
        workers[0]?.lines.find((l) => l.line.message === "worker started")?.line ?? {},
    };
  } finally {
    for (const w of workers) w.kill();
    await o.clients.sqs.send(new sqsSdk.DeleteQueueCommand({ QueueUrl: queueUrl }));
    await o.clients.sqs.send(new sqsSdk.DeleteQueueCommand({ QueueUrl: dlqUrl }));
    await o.clients.dynamodb.send(new ddbSdk.DeleteTableCommand({ TableName: name }));
    // The bucket map, and the credentials copy accessKeyEndpointEnv wrote.
    for (const f of [map, join(tmpdir(), `credentials-${name}.json`)]) rmSync(f, { force: true });
  }
}

const sleep = (ms: number) => new Promise<undefined>((r) => setTimeout(() => r(undefined), ms));

/** utime + stime of a live process, in seconds (0 when it is gone). */
function procCpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
