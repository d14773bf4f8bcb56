import { createHash } from "node:crypto";

/** MD5 of a buffer, as the raw 16 bytes. */
export function md5(data: Uint8Array): Buffer {
  return createHash("md5").update(data).digest();
}

/** An ETag without its quotes. */
export function unquote(etag: string | undefined): string {
  return (etag ?? "").replace(/"/g, "");
}

/** True for a plain MD5 ETag (32 hex digits), the kind a single-part, non-KMS object has. */
export function isMd5Etag(etag: string): boolean {
  return /^[0-9a-f]{32}$/i.test(etag);
}

/** The Content-MD5 header value (base64) for a hex MD5. */
export function hexToBase64(hex: string): string {
  return Buffer.from(hex, "hex").toString("base64");
}

/**
 * The ETag S3 gives a completed multipart upload: `md5(concat(binary part md5s))-N`.
 * Works where CompleteMultipartUpload answers with an empty ETag (Ceph): compare it with
 * HeadObject's instead.
 */
export function compositeEtag(partEtags: readonly string[]): string {
  const hash = createHash("md5");
  for (const etag of partEtags) hash.update(Buffer.from(unquote(etag), "hex"));
  return `${hash.digest("hex")}-${partEtags.length}`;
}
