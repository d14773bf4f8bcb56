import { MigrationError } from "@s3-migration/common";

/**
 * What the ledger records about an object's multipart upload: the upload, the source version
 * its parts were read from (every read is pinned to it) and the part size they were cut with.
 * An upload is reused only while all of them match the source as it is now and the layout the
 * copy plans; the parts S3 lists stay the truth for what is uploaded.
 */
export interface UploadBinding {
  readonly uploadId: string;
  /** The source's ETag, without quotes. */
  readonly sourceEtag: string;
  readonly sourceSize: number;
  /** The source's version, when the bucket has versions. */
  readonly sourceVersionId?: string | undefined;
  readonly partSize: number;
}

/**
 * The copying attempt's view of its object's record in the status table (the ledger of
 * uploads). The service claims the object for one attempt (a lease the SQS heartbeat renews)
 * before the engine runs; the engine reads the binding recorded by an earlier attempt,
 * records a new one when it creates an upload, and confirms it still holds the object right
 * before it completes one. Without a ledger the engine never resumes an upload.
 */
export interface UploadLedger {
  /** The binding recorded when this attempt claimed the object, if any. */
  readonly recorded: UploadBinding | undefined;
  /**
   * Records the upload this attempt created (replacing any older binding). Throws
   * {@link LeaseLostError} when another attempt has taken the object over.
   */
  bind(binding: UploadBinding, signal?: AbortSignal): Promise<void>;
  /**
   * Confirms (and extends) this attempt's claim right before CompleteMultipartUpload. Throws
   * {@link LeaseLostError} when another attempt has taken the object over: a stale attempt
   * never completes an upload.
   */
  confirm(signal?: AbortSignal): Promise<void>;
}

/**
 * Another attempt took the object over (this one's lease expired: frozen, partitioned, or far
 * too slow). This attempt must stop without completing, aborting or recording anything.
 */
export class LeaseLostError extends MigrationError {
  override name = "LeaseLostError" as const;
}
