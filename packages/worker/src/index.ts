export { copyObject } from "./engine/copy-object.js";
export { defaultHasherThreads, Md5Threads, type PartHasher } from "./engine/hashing/md5-threads.js";
export { MemoryBudget } from "./engine/memory/memory-budget.js";
export { ConnectionPool } from "./engine/transfer/connection-pool.js";
export type {
  ChecksumProof,
  CopyCallOptions,
  CopyResult,
  LeanPaths,
  PartProgress,
  TransferDeps,
} from "./engine/transfer/copy-types.js";
export type { S3Send } from "./engine/transfer/s3-send.js";
export {
  type TransferOptions,
  transferOptionsFromConfig,
} from "./engine/transfer/transfer-options.js";
export {
  LeaseLostError,
  type UploadBinding,
  type UploadLedger,
} from "./engine/transfer/upload-ledger.js";
export { handleBatch, handler } from "./lambda/handler.js";
export { type LambdaRuntime, lambdaConfig, startRuntime } from "./lambda/lambda-runtime.js";
export type { LambdaContext, SqsBatchResponse, SqsEvent } from "./lambda/sqs-event.js";
export { leanPaths } from "./lean-s3/lean-s3.js";
export { InstanceMetadata, watchSpotInterruption } from "./service/instance-metadata.js";
export { LeanDynamoDb } from "./service/lean-dynamodb.js";
export { MessageProcessor, type ProcessorDeps } from "./service/message-processor.js";
export { PollLoop, type PollLoopOptions } from "./service/poll-loop.js";
export { SqsBatcher } from "./service/sqs-batcher.js";
export { type StatusItem, StatusStore } from "./service/status-store.js";
export { METRICS_NAMESPACE, ThroughputMetrics } from "./service/throughput-metrics.js";
