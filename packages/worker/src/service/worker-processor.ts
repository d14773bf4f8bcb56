import type { AwsClients, Config } from "@s3-migration/common";
import { LeanDynamoDb } from "./lean-dynamodb.js";
import { leanDynamoDb } from "./lean-send.js";
import { MessageProcessor, type ProcessorDeps } from "./message-processor.js";
import type { QueueInfo } from "./queue-check.js";
import { StatusStore } from "./status-store.js";

/**
 * The status store a worker (process or Lambda) writes with: batched `done`s, and claims and
 * batches on the lean path.
 */
export function workerStatusStore(config: Config, clients: AwsClients, workerId: string) {
  return new StatusStore(
    leanDynamoDb(clients.dynamodb),
    config.tableName,
    workerId,
    config.getObjectWithVersionId,
    { batched: true, updates: new LeanDynamoDb(clients.dynamodb) },
  );
}

/**
 * The message processor of a worker, process or Lambda alike: everything the config and the
 * checked queue decide is set here once, so the two never drift apart; `parts` are what each
 * builds its own way (how messages settle, the shared transfer, the bucket-map watch, …).
 */
export function workerProcessor(
  config: Config,
  clients: AwsClients,
  queue: QueueInfo,
  parts: Pick<
    ProcessorDeps,
    | "status"
    | "transfer"
    | "events"
    | "metrics"
    | "logger"
    | "refreshCredentials"
    | "settle"
    | "weight"
  >,
): MessageProcessor {
  return new MessageProcessor({
    ...parts,
    sqs: clients.sqs,
    queueUrl: queue.queueUrl,
    visibilityTimeoutSec: queue.visibilityTimeoutSec,
    maxReceiveCount: queue.maxReceiveCount,
    jobTimeoutSec: config.jobTimeoutSec,
    split: {
      thresholdBytes: config.splitThresholdBytes,
      sliceSizeBytes: config.splitSliceSizeBytes,
      sqs: clients.sqs,
      queueUrl: queue.queueUrl,
    },
  });
}
