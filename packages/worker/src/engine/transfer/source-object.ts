import { HeadObjectCommand } from "@aws-sdk/client-s3";
import type { CopyJob } from "@s3-migration/common";
import type { LeanObjectHeaders } from "../../lean-s3/lean-s3-http.js";
import { isMd5Etag, unquote } from "../hashing/checksums.js";
import type { S3Send } from "./s3-send.js";

/** The headers copied from source to destination (the lean path reads the same ones). */
export type ObjectHeaders = LeanObjectHeaders;

/** What the copy needs to know about the source object, from one HeadObject or GetObject. */
export interface SourceObject {
  readonly size: number;
  /** Without quotes. */
  readonly etag: string;
  readonly lastModified: Date | undefined;
  readonly versionId: string | undefined;
  /** The object's MD5 in hex, when its ETag is one (single-part, not SSE-KMS / SSE-C). */
  readonly md5Hex: string | undefined;
  /** Number of parts when the source is a multipart object (`<md5>-N`). */
  readonly etagPartCount: number | undefined;
  readonly headers: ObjectHeaders;
}

/**
 * The fields of a HeadObject / GetObject answer (the SDK's, or the lean path's) that describe
 * the source.
 */
export interface SourceAnswer extends ObjectHeaders {
  readonly ETag?: string | undefined;
  readonly LastModified?: Date | undefined;
  readonly VersionId?: string | undefined;
  readonly ServerSideEncryption?: string | undefined;
  readonly SSECustomerAlgorithm?: string | undefined;
}

/** Reads the pieces of a HeadObject / GetObject answer that describe the source. */
export function describeSource(out: SourceAnswer, size: number): SourceObject {
  const etag = unquote(out.ETag);
  const encrypted =
    out.ServerSideEncryption === "aws:kms" ||
    out.ServerSideEncryption === "aws:kms:dsse" ||
    out.SSECustomerAlgorithm !== undefined;
  const multipart = /^[0-9a-f]{32}-(\d+)$/i.exec(etag);
  return {
    size,
    etag,
    lastModified: out.LastModified,
    versionId: out.VersionId,
    md5Hex: !encrypted && isMd5Etag(etag) ? etag.toLowerCase() : undefined,
    etagPartCount: multipart?.[1] ? Number(multipart[1]) : undefined,
    headers: {
      ContentType: out.ContentType,
      ContentEncoding: out.ContentEncoding,
      ContentLanguage: out.ContentLanguage,
      ContentDisposition: out.ContentDisposition,
      CacheControl: out.CacheControl,
      Expires: out.Expires,
      Metadata: out.Metadata,
    },
  };
}

/** HeadObject of the job's source (the job's version when one is asked for). */
export async function headSource(
  s3: S3Send,
  job: CopyJob,
  versionId: string | undefined,
  signal: AbortSignal | undefined,
): Promise<SourceObject> {
  const out = await s3.send(
    new HeadObjectCommand({ Bucket: job.srcBucket, Key: job.srcKey, VersionId: versionId }),
    { abortSignal: signal },
  );
  return describeSource(out, out.ContentLength ?? 0);
}

/**
 * The source's part count and first part size (HeadObject PartNumber=1), when its last part
 * (PartNumber=N) has the size a uniform cut predicts. `undefined` when the service ignores
 * PartNumber (Ceph answers with the whole object and no PartsCount) or the cut is uneven.
 */
export async function headFirstPart(
  s3: S3Send,
  job: CopyJob,
  source: SourceObject,
  signal: AbortSignal | undefined,
): Promise<{ partsCount: number; firstPartSize: number } | undefined> {
  const out = await s3.send(
    new HeadObjectCommand({
      Bucket: job.srcBucket,
      Key: job.srcKey,
      PartNumber: 1,
      ...pinSource(source, source.versionId !== undefined),
    }),
    { abortSignal: signal },
  );
  const partsCount = out.PartsCount;
  const firstPartSize = out.ContentLength;
  if (partsCount === undefined || firstPartSize === undefined || firstPartSize >= source.size) {
    return undefined;
  }
  // A last part of the size a uniform cut predicts rules out most uneven uploads up front.
  const lastPartSize = await headPartSize(s3, job, source, partsCount, signal);
  if (lastPartSize !== source.size - (partsCount - 1) * firstPartSize) return undefined;
  return { partsCount, firstPartSize };
}

/** HeadObject of part `partNumber` of the source: its length, or undefined when not revealed. */
async function headPartSize(
  s3: S3Send,
  job: CopyJob,
  source: SourceObject,
  partNumber: number,
  signal: AbortSignal | undefined,
): Promise<number | undefined> {
  const out = await s3.send(
    new HeadObjectCommand({
      Bucket: job.srcBucket,
      Key: job.srcKey,
      PartNumber: partNumber,
      ...pinSource(source, source.versionId !== undefined),
    }),
    { abortSignal: signal },
  );
  return out.PartsCount === undefined ? undefined : out.ContentLength;
}

/**
 * True when every source part has the size `sizes` says (one HeadObject per part, a few at a
 * time). Used after a mirrored copy whose ETag differs from the source's, to tell a source cut
 * unevenly (the copy is still right) from bytes changed on their way (it is not).
 */
export async function sourcePartsHaveSizes(
  s3: S3Send,
  job: CopyJob,
  source: SourceObject,
  sizes: readonly number[],
  signal: AbortSignal | undefined,
): Promise<boolean> {
  for (let i = 0; i < sizes.length; i += 8) {
    const batch = sizes
      .slice(i, i + 8)
      .map((_, j) => headPartSize(s3, job, source, i + j + 1, signal));
    const got = await Promise.all(batch);
    if (got.some((size, j) => size !== sizes[i + j])) return false;
  }
  return true;
}

/**
 * Request parameters that pin every read to the version the copy started from: `VersionId`
 * when versions are used, else `If-Match` with the ETag. A source overwritten mid-copy then
 * fails the read (412) instead of yielding half-old, half-new bytes.
 */
export function pinSource(
  source: Pick<SourceObject, "etag" | "versionId">,
  byVersion: boolean,
): { VersionId?: string; IfMatch?: string } {
  if (byVersion && source.versionId !== undefined && source.versionId !== "null") {
    return { VersionId: source.versionId };
  }
  return { IfMatch: `"${source.etag}"` };
}
