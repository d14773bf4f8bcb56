import {
  AbortMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
} from "@aws-sdk/client-s3";
import { awsErrorIs } from "@s3-migration/common";
import { unquote } from "../hashing/checksums.js";
import type { S3Send } from "../transfer/s3-send.js";

/** An unfinished multipart upload found at the destination. */
export interface UnfinishedUpload {
  readonly uploadId: string;
  readonly initiated: Date | undefined;
}

/** A part the destination already holds. */
export interface UploadedPart {
  readonly partNumber: number;
  readonly size: number;
  /** Without quotes. */
  readonly etag: string;
}

/**
 * Every unfinished upload of exactly `key` (ListMultipartUploads by prefix, paginated, other
 * keys sharing the prefix dropped), newest first.
 */
export async function listUploadsForKey(
  s3: S3Send,
  bucket: string,
  key: string,
  signal?: AbortSignal,
): Promise<UnfinishedUpload[]> {
  const uploads: UnfinishedUpload[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(
      new ListMultipartUploadsCommand({
        Bucket: bucket,
        Prefix: key,
        KeyMarker: keyMarker,
        UploadIdMarker: uploadIdMarker,
      }),
      { abortSignal: signal },
    );
    for (const u of page.Uploads ?? []) {
      if (u.Key === key && u.UploadId)
        uploads.push({ uploadId: u.UploadId, initiated: u.Initiated });
    }
    if (!page.IsTruncated) break;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
    if (keyMarker === undefined && uploadIdMarker === undefined) break;
  }
  return uploads.sort((a, b) => (b.initiated?.getTime() ?? 0) - (a.initiated?.getTime() ?? 0));
}

/** Every part of an upload (ListParts, paginated past 1,000 parts), in part order. */
export async function listAllParts(
  s3: S3Send,
  bucket: string,
  key: string,
  uploadId: string,
  signal?: AbortSignal,
  pageSize?: number,
): Promise<UploadedPart[]> {
  const parts: UploadedPart[] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await s3.send(
      new ListPartsCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        PartNumberMarker: marker,
        MaxParts: pageSize,
      }),
      { abortSignal: signal },
    );
    for (const p of page.Parts ?? []) {
      if (p.PartNumber === undefined) continue;
      parts.push({ partNumber: p.PartNumber, size: p.Size ?? 0, etag: unquote(p.ETag) });
    }
    if (!page.IsTruncated || page.NextPartNumberMarker === undefined) break;
    marker = String(page.NextPartNumberMarker);
  }
  return parts.sort((a, b) => a.partNumber - b.partNumber);
}

/**
 * Aborts an upload. An upload that is already gone is fine (AWS answers NoSuchUpload, Ceph
 * NoSuchKey).
 */
export async function abortUpload(
  s3: S3Send,
  bucket: string,
  key: string,
  uploadId: string,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await s3.send(
      new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }),
      {
        abortSignal: signal,
      },
    );
  } catch (err) {
    if (!awsErrorIs(err, "upload-gone")) throw err;
  }
}

/**
 * The parts of one range of an upload, `first` to `last` inclusive (ListParts from the part
 * before `first`, paginated): what a slice of a split object finds already uploaded.
 */
export async function listPartRange(
  s3: S3Send,
  target: { readonly bucket: string; readonly key: string; readonly uploadId: string },
  first: number,
  last: number,
  signal?: AbortSignal,
): Promise<UploadedPart[]> {
  const parts: UploadedPart[] = [];
  let marker = first - 1;
  while (marker < last) {
    const page = await s3.send(
      new ListPartsCommand({
        Bucket: target.bucket,
        Key: target.key,
        UploadId: target.uploadId,
        PartNumberMarker: marker > 0 ? String(marker) : undefined,
        MaxParts: Math.min(1000, last - marker),
      }),
      { abortSignal: signal },
    );
    for (const p of page.Parts ?? []) {
      if (p.PartNumber === undefined || p.PartNumber > last) continue;
      parts.push({ partNumber: p.PartNumber, size: p.Size ?? 0, etag: unquote(p.ETag) });
    }
    const next = Number(page.NextPartNumberMarker);
    if (!page.IsTruncated || !Number.isFinite(next) || next <= marker) break;
    marker = next;
  }
  return parts;
}
