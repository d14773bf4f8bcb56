import { AbortMultipartUploadCommand, ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import type { BucketMapping } from "@s3-migration/common";
import { listingPrefix, type S3Send } from "../list-bucket.js";

/** One unfinished multipart upload. */
export interface StaleUpload {
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
  readonly initiated: Date | undefined;
}

/**
 * True when an upload started at `initiated` is older than `maxAgeMs` at `now`. An upload
 * without a start time is never old enough (nothing is aborted on a guess).
 */
export function isOlderThan(initiated: Date | undefined, now: Date, maxAgeMs: number): boolean {
  if (initiated === undefined || Number.isNaN(initiated.getTime())) return false;
  return now.getTime() - initiated.getTime() >= maxAgeMs;
}

/** The distinct destination bucket/prefix pairs of a bucket map. */
export function destinations(
  mappings: readonly BucketMapping[],
): { bucket: string; prefix: string }[] {
  const seen = new Map<string, { bucket: string; prefix: string }>();
  for (const m of mappings) {
    const prefix = listingPrefix(m.desPrefix);
    seen.set(`${m.desBucket}/${prefix}`, { bucket: m.desBucket, prefix });
  }
  return [...seen.values()];
}

/** Options of {@link listStaleUploads}. */
export interface StaleUploadOptions {
  readonly bucket: string;
  /** Only uploads of keys under this prefix. @default "" */
  readonly prefix?: string | undefined;
  /** Minimum age. */
  readonly olderThanMs: number;
  readonly now: Date;
  /** @default none */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Yields the unfinished multipart uploads of a bucket (under a prefix) older than the given
 * age, one ListMultipartUploads page at a time.
 *
 * @example
 * for await (const u of listStaleUploads(s3, { bucket: "dst", olderThanMs: 86_400_000, now: new Date() })) {
 *   await abortUpload(s3, u);
 * }
 */
export async function* listStaleUploads(
  s3: S3Send,
  options: StaleUploadOptions,
): AsyncGenerator<StaleUpload, void, undefined> {
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(
      new ListMultipartUploadsCommand({
        Bucket: options.bucket,
        Prefix: options.prefix || undefined,
        KeyMarker: keyMarker,
        UploadIdMarker: uploadIdMarker,
      }),
      { abortSignal: options.signal },
    );
    for (const u of page.Uploads ?? []) {
      if (u.Key === undefined || u.UploadId === undefined) continue;
      if (!isOlderThan(u.Initiated, options.now, options.olderThanMs)) continue;
      yield { bucket: options.bucket, key: u.Key, uploadId: u.UploadId, initiated: u.Initiated };
    }
    if (!page.IsTruncated) return;
    if (page.NextKeyMarker === keyMarker && page.NextUploadIdMarker === uploadIdMarker) {
      throw new Error(
        `ListMultipartUploads of ${options.bucket} is truncated but its markers did not advance`,
      );
    }
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
  }
}

/** Aborts one upload (its parts are deleted and stop costing storage). */
export async function abortUpload(
  s3: S3Send,
  upload: StaleUpload,
  signal?: AbortSignal,
): Promise<void> {
  await s3.send(
    new AbortMultipartUploadCommand({
      Bucket: upload.bucket,
      Key: upload.key,
      UploadId: upload.uploadId,
    }),
    { abortSignal: signal },
  );
}
