export { compositeEtag } from "./checksums.js";
export { copyObject } from "./copy-object.js";
export type {
  ChecksumProof,
  CopyCallOptions,
  CopyResult,
  PartProgress,
  TransferDeps,
} from "./copy-types.js";
export { MemoryBudget } from "./memory-budget.js";
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
export type { S3Send } from "./s3-send.js";
export { type TransferOptions, transferOptionsFromConfig } from "./transfer-options.js";
