import type { Config, DestinationSse, StorageClass } from "@s3-migration/common";
import { MIN_PART_SIZE } from "./s3-limits.js";

/** The settings of one copy, taken from the config (tests may lower the part-size floor). */
export interface TransferOptions {
  /** Objects up to this size go as one GET + one PUT. */
  readonly resumableThresholdBytes: number;
  /** Smallest part size (`ChunkSize`). */
  readonly chunkSizeBytes: number;
  /** S3's smallest non-last part; lowered only in tests against an S3 that accepts it. @default 5 MiB */
  readonly minPartSizeBytes: number;
  /** At most this many parts of one object in flight (`MaxThread`); unset: only the connection cap. */
  readonly maxThread?: number | undefined;
  /** Attempts of one part after its first (`MaxRetry`). */
  readonly maxRetry: number;
  /** Abort older unfinished uploads of the same key. */
  readonly cleanUnfinishedUpload: boolean;
  readonly storageClass: StorageClass;
  /** Pin reads by version id instead of ETag (`GetObjectWithVersionId`). */
  readonly getObjectWithVersionId: boolean;
  /** Copy the source's current version rather than the job's (`UpdateVersionId`). */
  readonly updateVersionId: boolean;
  readonly destinationSse: DestinationSse;
  readonly destinationKmsKeyId: string;
  readonly copyObjectTags: boolean;
  /** Times a copy restarts from scratch because the source changed under it. @default 3 */
  readonly maxSourceRestarts: number;
  /** Base delay of the per-part retry backoff. @default 200 */
  readonly retryBaseDelayMs: number;
  /**
   * Single PUTs whose source MD5 is known are buffered up to this size and streamed from the
   * GET into the PUT above it. @default 1 MiB
   */
  readonly streamAboveBytes?: number | undefined;
}

const DEFAULT_STREAM_ABOVE_BYTES = 1024 * 1024;

/** `streamAboveBytes`, or its default. */
export function streamAboveBytes(options: TransferOptions): number {
  return options.streamAboveBytes ?? DEFAULT_STREAM_ABOVE_BYTES;
}

/** The copy settings of a validated config. */
export function transferOptionsFromConfig(config: Config): TransferOptions {
  return {
    resumableThresholdBytes: config.resumableThresholdBytes,
    chunkSizeBytes: config.chunkSizeBytes,
    minPartSizeBytes: MIN_PART_SIZE,
    maxThread: config.maxThread,
    maxRetry: config.maxRetry,
    cleanUnfinishedUpload: config.cleanUnfinishedUpload,
    storageClass: config.storageClass,
    getObjectWithVersionId: config.getObjectWithVersionId,
    updateVersionId: config.updateVersionId,
    destinationSse: config.destinationSse,
    destinationKmsKeyId: config.destinationKmsKeyId,
    copyObjectTags: config.copyObjectTags,
    maxSourceRestarts: 3,
    retryBaseDelayMs: 200,
  };
}

/** Destination request fields shared by PutObject and CreateMultipartUpload. */
export function destinationWriteFields(options: TransferOptions): {
  StorageClass: StorageClass;
  ServerSideEncryption?: "AES256" | "aws:kms";
  SSEKMSKeyId?: string;
} {
  const sse =
    options.destinationSse === "NONE" ? {} : { ServerSideEncryption: options.destinationSse };
  const key = options.destinationKmsKeyId ? { SSEKMSKeyId: options.destinationKmsKeyId } : {};
  return { StorageClass: options.storageClass, ...sse, ...key };
}

/** With SSE-KMS the destination's ETags are not MD5s, so only Content-MD5 vouches for the bytes. */
export function destinationEtagsAreMd5(options: TransferOptions): boolean {
  return options.destinationSse !== "aws:kms";
}
