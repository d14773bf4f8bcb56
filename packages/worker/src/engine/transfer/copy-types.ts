import type { Logger } from "@s3-migration/common";
import type { LeanS3 } from "../../lean-s3/lean-s3.js";
import type { Md5Threads, PartHasher } from "../hashing/md5-threads.js";
import type { BandwidthCap } from "../memory/bandwidth-cap.js";
import type { MemoryBudget } from "../memory/memory-budget.js";
import type { ConnectionPool } from "./connection-pool.js";
import type { S3Send } from "./s3-send.js";
import type { TransferOptions } from "./transfer-options.js";
import type { UploadLedger } from "./upload-ledger.js";

/** What a copy needs: both S3 sides, the shared memory budget, settings and a logger. */
export interface TransferDeps {
  readonly source: S3Send;
  readonly destination: S3Send;
  readonly budget: MemoryBudget;
  /**
   * The worker-wide cap on requests carrying object bytes (`MaxConnections`), shared by every
   * copy; without it only `maxThread` limits a copy.
   */
  readonly connections?: ConnectionPool | undefined;
  /**
   * The worker-wide cap on bytes read from the source (`MaxBandwidthMBps`), shared by every
   * copy; without it bytes are read as fast as they come.
   */
  readonly bandwidth?: BandwidthCap | undefined;
  readonly options: TransferOptions;
  readonly logger: Logger;
  /** Hashes part buffers off the event loop ({@link Md5Threads}); without it, parts are hashed on it as their bytes arrive. */
  readonly hasher?: PartHasher | undefined;
  /**
   * The lean GetObject/PutObject of both clients, for the first attempt of small copies;
   * without them every request goes through `send`.
   */
  readonly lean?: LeanPaths | undefined;
}

/** A lean request path per side (see {@link LeanS3}). */
export interface LeanPaths {
  readonly source: Pick<LeanS3, "getObject">;
  readonly destination: Pick<LeanS3, "putObject">;
}

/** Bytes of one part that reached the destination. */
export interface PartProgress {
  readonly partNumber: number;
  readonly bytes: number;
}

/** Per-call options of `copyObject`. */
export interface CopyCallOptions {
  /** Aborts the copy (JobTimeout, shutdown): in-flight requests are cancelled, the upload stays for resume. */
  readonly signal?: AbortSignal | undefined;
  /** Called once per part that reached the destination (for bytes/min and progress). */
  readonly onProgress?: ((progress: PartProgress) => void) | undefined;
  /**
   * Called when a multipart copy knows its parts (reused ones count as done) and after each
   * part that reached the destination: for the status table's parts done / total.
   */
  readonly onParts?: ((done: number, total: number) => void) | undefined;
  /**
   * The object's upload ledger (binding and lease in the status table); without it the engine
   * never resumes an upload (nothing tells it which source version an upload holds).
   */
  readonly ledger?: UploadLedger | undefined;
}

/** Internal: the deps plus the per-call options. */
export interface CopyContext extends CopyCallOptions {
  readonly deps: TransferDeps;
  readonly onRetry?: ((err: unknown, attempt: number) => void) | undefined;
}

/** How the destination's bytes were proven equal to the source's. */
export type ChecksumProof =
  /** The source's own MD5 was the destination's Content-MD5: end to end. */
  | "source-md5"
  /** Parts cut on the source's boundaries; the destination's composite ETag equals the source's: end to end. */
  | "mirror-etag"
  /** Hashed in the worker: proves worker → destination; the source read is pinned by ETag/version. */
  | "worker-md5";

/** The outcome of one successful copy. */
export interface CopyResult {
  readonly method: "single-put" | "multipart";
  /** Object size. */
  readonly bytes: number;
  /** Bytes sent to the destination by this call (less than `bytes` when parts were reused). */
  readonly bytesUploaded: number;
  readonly parts: number;
  /** Parts found already uploaded (by an earlier, interrupted attempt) and kept. */
  readonly partsReused: number;
  /** Parts sent by this call, retries of the same part counted once. */
  readonly partsUploaded: number;
  readonly checksum: ChecksumProof;
  /** The destination's ETag, without quotes. */
  readonly etag: string;
  readonly sourceEtag: string;
  /** The source version copied, when the source has versions. */
  readonly versionId: string | undefined;
  /** The multipart upload that became the object. */
  readonly uploadId?: string | undefined;
  /** Times the copy started over because the source changed under it. */
  readonly restarts: number;
  /** The slices a split object's parts were copied in, by any worker (see `SplitThreshold`). */
  readonly slices?: number | undefined;
  readonly durationMs: number;
}
