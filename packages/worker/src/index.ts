export { compositeEtag } from "./checksums.js";
export { copyObject } from "./copy-object.js";
export type {
  ChecksumProof,
  CopyCallOptions,
  CopyResult,
  PartProgress,
  TransferDeps,
} from "./copy-types.js";
export { setVisibility, startHeartbeat } from "./heartbeat.js";
export { InstanceMetadata, watchSpotInterruption } from "./instance-metadata.js";
export { defaultHasherThreads, Md5Threads, type PartHasher } from "./md5-threads.js";
export { MemoryBudget } from "./memory-budget.js";
export { MessageProcessor, type ProcessorDeps, retryDelaySec } from "./message-processor.js";
export type { PartLayout, PartSpec } from "./part-layout.js";
export {
  MAX_OBJECT_SIZE,
  MAX_PART_SIZE,
  MAX_PARTS,
  MIN_PART_SIZE,
  mirrorLayout,
  partSizeFor,
  planLayout,
} from "./part-layout.js";
export { type LoopEnd, PollLoop, type PollLoopOptions } from "./poll-loop.js";
export type { S3Send } from "./s3-send.js";
export { type StatusItem, StatusStore } from "./status-store.js";
export { METRICS_NAMESPACE, ThroughputMetrics } from "./throughput-metrics.js";
export { type TransferOptions, transferOptionsFromConfig } from "./transfer-options.js";
