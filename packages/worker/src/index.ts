export { copyObject } from "./engine/copy-object.js";
export { compositeEtag } from "./engine/hashing/checksums.js";
export { defaultHasherThreads, Md5Threads, type PartHasher } from "./engine/hashing/md5-threads.js";
export { MemoryBudget } from "./engine/memory/memory-budget.js";
export type { PartLayout, PartSpec } from "./engine/multipart/part-layout.js";
export { mirrorLayout, partSizeFor, planLayout } from "./engine/multipart/part-layout.js";
export type {
  ChecksumProof,
  CopyCallOptions,
  CopyResult,
  LeanPaths,
  PartProgress,
  TransferDeps,
} from "./engine/transfer/copy-types.js";
export {
  MAX_OBJECT_SIZE,
  MAX_PART_SIZE,
  MAX_PARTS,
  MIN_PART_SIZE,
} from "./engine/transfer/s3-limits.js";
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
export { LeanS3, leanPaths } from "./lean-s3/lean-s3.js";
export { setVisibility, startHeartbeat } from "./service/heartbeat.js";
export { InstanceMetadata, watchSpotInterruption } from "./service/instance-metadata.js";
export { retryDelaySec } from "./service/job-timing.js";
export { MessageProcessor, type ProcessorDeps } from "./service/message-processor.js";
export { type LoopEnd, PollLoop, type PollLoopOptions } from "./service/poll-loop.js";
export { type StatusItem, StatusStore } from "./service/status-store.js";
export { METRICS_NAMESPACE, ThroughputMetrics } from "./service/throughput-metrics.js";
