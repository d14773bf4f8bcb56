import { join } from "node:path";
import {
  type AwsClients,
  type Config,
  createClients,
  createLogger,
  type Logger,
  loadConfig,
  loadCredentials,
  ssmClientIfNeeded,
} from "@s3-migration/common";
import { Md5Threads } from "../engine/hashing/md5-threads.js";
import { ConnectionPool } from "../engine/transfer/connection-pool.js";
import { BucketMapWatch } from "../service/bucket-map-watch.js";
import { checkQueueAndTable, type QueueInfo } from "../service/queue-check.js";
import { type RotatingTransfer, rotatingTransfer } from "../service/rotating-transfer.js";
import type { StatusStore } from "../service/status-store.js";
import { ThroughputMetrics } from "../service/throughput-metrics.js";
import { workerStatusStore } from "../service/worker-processor.js";

/** Share of the function's memory given to part buffers; the rest is Node, the SDK and sockets. */
const BUDGET_SHARE = 0.6;

/** What every invocation of one execution environment shares (built at the first, the cold start). */
export interface LambdaRuntime {
  readonly config: Config;
  readonly logger: Logger;
  readonly clients: AwsClients;
  readonly queue: QueueInfo;
  readonly status: StatusStore;
  readonly transfer: RotatingTransfer;
  readonly refreshCredentials: () => Promise<boolean>;
  readonly metrics: ThroughputMetrics;
  readonly connections: ConnectionPool;
  readonly events: BucketMapWatch;
}

/**
 * The config of a Lambda worker: the ini named by `S3MIG_CONFIG_FILE` (default
 * `s3_migration_config.ini` beside the handler), `S3MIG_<key>` variables overriding it, and a
 * memory budget of at most 60 % of the function's memory (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`).
 */
export function lambdaConfig(env: Readonly<Record<string, string | undefined>>): {
  config: Config;
  warnings: readonly string[];
} {
  const path =
    env.S3MIG_CONFIG_FILE ?? join(env.LAMBDA_TASK_ROOT ?? ".", "s3_migration_config.ini");
  const loaded = loadConfig(path, env);
  const memoryMb = Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  if (!Number.isFinite(memoryMb) || memoryMb <= 0) return loaded;
  const cap = Math.floor(memoryMb * BUDGET_SHARE) * 2 ** 20;
  const budget = Math.max(
    loaded.config.chunkSizeBytes,
    Math.min(loaded.config.memoryBudgetBytes, cap),
  );
  return { config: { ...loaded.config, memoryBudgetBytes: budget }, warnings: loaded.warnings };
}

/**
 * Builds the runtime of one execution environment: config, clients of both sides (the other
 * side's key read once from SSM, a file or an environment variable, and re-read when rejected),
 * the queue and table checks, the status store and the transfer engine's shared parts.
 */
export async function startRuntime(
  env: Readonly<Record<string, string | undefined>>,
): Promise<LambdaRuntime> {
  const { config, warnings } = lambdaConfig(env);
  const workerId = `lambda/${env.AWS_LAMBDA_LOG_STREAM_NAME ?? process.pid}`;
  const logger = createLogger({ service: "worker", level: config.logLevel }).child({ workerId });
  for (const w of warnings) logger.warn(w);
  const ssm = ssmClientIfNeeded(config);
  const credentials = await loadCredentials(config.credentialsParameter, ssm, undefined, env);
  const clients = createClients(config, credentials);
  const connections = new ConnectionPool(config.maxConnections);
  const { transfer, refreshCredentials } = rotatingTransfer(config, clients, credentials, {
    ssm,
    logger,
    hasher: new Md5Threads(),
    connections,
  });
  const queue = await checkQueueAndTable({
    sqs: clients.sqs,
    dynamodb: clients.dynamodb,
    queueName: config.queueName,
    tableName: config.tableName,
    logger,
  });
  const status = workerStatusStore(config, clients, workerId);
  const events = new BucketMapWatch(config, ssm, logger);
  await events.refresh();
  // Lambda freezes the environment between invocations: the handler also flushes after each.
  const metrics = new ThroughputMetrics(logger);
  logger.info("lambda worker started", {
    queueUrl: queue.queueUrl,
    visibilityTimeoutSec: queue.visibilityTimeoutSec,
    memoryBudgetMB: config.memoryBudgetBytes / 2 ** 20,
    maxConnections: config.maxConnections,
  });
  return {
    config,
    logger,
    clients,
    queue,
    status,
    transfer,
    refreshCredentials,
    metrics,
    connections,
    events,
  };
}
