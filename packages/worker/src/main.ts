/**
 * The worker process (composition root): `pnpm worker --config <ini> [--until-idle]
 * [--idle-seconds N] [--worker-id ID]`. Reads the config once, builds the clients, checks the
 * queue and the table, then polls until SIGTERM/SIGINT, a Spot interruption notice, an empty
 * queue (batch mode) or repeated fatal errors.
 *
 * Exit codes: 0 stopped (SIGTERM/SIGINT) or idle; 1 fatal (missing queue or table, bad
 * credentials: systemd restarts it after its back-off); 2 bad configuration or arguments;
 * 4 stopped for a Spot interruption notice (the systemd unit does not restart on 4).
 */
import { hostname } from "node:os";
import {
  type AwsClients,
  type Config,
  ConfigError,
  createClients,
  createLogger,
  type createSsmClient,
  destroyClients,
  type Logger,
  loadConfig,
  loadCredentials,
  type SideCredentials,
  ssmClientIfNeeded,
} from "@s3-migration/common";
import { Md5Threads } from "./engine/hashing/md5-threads.js";
import { ConnectionPool } from "./engine/transfer/connection-pool.js";
import { BucketMapWatch } from "./service/bucket-map-watch.js";
import type { SqsSend } from "./service/heartbeat.js";
import { InstanceMetadata, watchSpotInterruption } from "./service/instance-metadata.js";
import { leanSqs } from "./service/lean-send.js";
import { MessageWeight } from "./service/message-weight.js";
import { PollLoop } from "./service/poll-loop.js";
import { checkQueueAndTable, type QueueInfo } from "./service/queue-check.js";
import { type RotatingTransfer, rotatingTransfer } from "./service/rotating-transfer.js";
import { SqsBatcher } from "./service/sqs-batcher.js";
import { ThroughputMetrics } from "./service/throughput-metrics.js";
import { workerProcessor, workerStatusStore } from "./service/worker-processor.js";
import { type Args, readArgs } from "./worker-args.js";

type SsmClient = ReturnType<typeof createSsmClient>;

/** The validated config, or exit code 2 with every problem on stderr. */
function readConfig(path: string): Config | 2 {
  try {
    const loaded = loadConfig(path, process.env);
    const logger = createLogger({ service: "worker", level: loaded.config.logLevel });
    for (const w of loaded.warnings) logger.warn(w);
    return loaded.config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`worker: ${err.message}\n`);
    return 2;
  }
}

/** The access-key side's credentials, or the exit code (2 bad document, 1 unreadable). */
async function readCredentials(
  config: Config,
  ssm: SsmClient | undefined,
  logger: Logger,
): Promise<SideCredentials | 1 | 2> {
  try {
    return await loadCredentials(config.credentialsParameter, ssm);
  } catch (err) {
    process.stderr.write(`worker: ${err instanceof Error ? err.message : String(err)}\n`);
    logger.error("credentials not readable", { error: err });
    return err instanceof ConfigError ? 2 : 1;
  }
}

/** Polls until stopped; the exit code: 0 stopped or idle, 1 fatal streak, 4 Spot notice. */
async function runLoop(
  loop: PollLoop,
  imds: InstanceMetadata | undefined,
  logger: Logger,
): Promise<number> {
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => loop.stop(signal));
  let spotNotice = false;
  const stopWatching = imds
    ? watchSpotInterruption(imds, logger, () => {
        spotNotice = true;
        loop.stop("spot interruption");
      })
    : () => {};
  const end = await loop.run();
  stopWatching();
  logger.info("worker stopped", { end });
  if (end === "fatal") return 1;
  return spotNotice ? 4 : 0;
}

async function main(): Promise<number> {
  const args = readArgs();
  const config = readConfig(args.config);
  if (config === 2) return 2;
  const processLogger = createLogger({ service: "worker", level: config.logLevel });
  const imds = config.instanceMetadataEndpoint
    ? new InstanceMetadata(config.instanceMetadataEndpoint, processLogger)
    : undefined;
  const workerId =
    args.workerId ?? (await imds?.get("instance-id")) ?? `${hostname()}-${process.pid}`;
  const logger = processLogger.child({ workerId });
  const ssm = ssmClientIfNeeded(config);
  const credentials = await readCredentials(config, ssm, logger);
  if (typeof credentials === "number") return credentials;
  const clients = createClients(config, credentials);
  const metrics = new ThroughputMetrics(logger);
  const connections = new ConnectionPool(config.maxConnections);
  const { transfer, refreshCredentials } = rotatingTransfer(config, clients, credentials, {
    ssm,
    logger,
    hasher: new Md5Threads(),
    connections,
  });
  const events = new BucketMapWatch(config, ssm, logger);
  await events.refresh();
  try {
    const parts = { transfer, connections, refreshCredentials, metrics, logger, events };
    return await serve(config, clients, { workerId, args, imds }, parts);
  } catch (err) {
    logger.error("worker failed", { error: err });
    process.stderr.write(`worker: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    metrics.close();
    transfer.close();
    destroyClients(clients);
    ssm?.destroy();
  }
}

/** Checks the queue and the table, then polls until stopped; the exit code. */
async function serve(
  config: Config,
  clients: AwsClients,
  run: { workerId: string; args: Args; imds: InstanceMetadata | undefined },
  parts: Omit<Parameters<typeof pollLoop>[5], "settle" | "sqs">,
): Promise<number> {
  const { logger } = parts;
  const queue = await checkQueueAndTable({
    sqs: clients.sqs,
    dynamodb: clients.dynamodb,
    queueName: config.queueName,
    tableName: config.tableName,
    logger,
  });
  // Receives, deletes and visibility changes go out many times a second: on the lean path.
  const sqs = leanSqs(clients.sqs);
  const settle = new SqsBatcher({ sqs, queueUrl: queue.queueUrl, logger });
  const loop = pollLoop(config, clients, queue, run.workerId, run.args, { ...parts, settle, sqs });
  logger.info("worker started", {
    queueUrl: queue.queueUrl,
    visibilityTimeoutSec: queue.visibilityTimeoutSec,
    maxConnections: config.maxConnections,
    maxParallelFile: config.maxParallelFile ?? "unset",
    maxThread: config.maxThread ?? "unset",
    memoryBudgetMB: config.memoryBudgetBytes / 2 ** 20,
  });
  const code = await runLoop(loop, run.imds, logger);
  await settle.close();
  return code;
}

/** The poll loop and the message processor it feeds. */
function pollLoop(
  config: Config,
  clients: AwsClients,
  queue: QueueInfo,
  workerId: string,
  args: Args,
  parts: {
    readonly transfer: RotatingTransfer;
    readonly connections: ConnectionPool;
    readonly settle: SqsBatcher;
    readonly sqs: SqsSend;
    readonly refreshCredentials: () => Promise<boolean>;
    readonly metrics: ThroughputMetrics;
    readonly logger: Logger;
    readonly events: BucketMapWatch;
  },
): PollLoop {
  const weight = new MessageWeight();
  const processor = workerProcessor(config, clients, queue, {
    weight,
    settle: parts.settle,
    status: workerStatusStore(config, clients, workerId),
    transfer: parts.transfer,
    events: parts.events,
    metrics: parts.metrics,
    logger: parts.logger,
    refreshCredentials: parts.refreshCredentials,
  });
  return new PollLoop({
    sqs: parts.sqs,
    queueUrl: queue.queueUrl,
    processor,
    logger: parts.logger,
    maxMessages: config.maxParallelFile ?? config.maxConnections,
    connections: parts.connections,
    weight,
    waitSeconds: config.pollWaitSeconds,
    untilIdleSec: args.untilIdleSec,
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `worker: unexpected error: ${err instanceof Error ? err.stack : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
