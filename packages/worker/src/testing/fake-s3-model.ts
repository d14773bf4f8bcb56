import { createHash } from "node:crypto";

/** How an object or upload is encrypted: SSE-KMS ones get ETags that are not MD5s. */
export type Sse = "NONE" | "aws:kms";

/** An object held by a {@link FakeS3}. */
export interface StoredObject {
  body: Buffer;
  etag: string;
  /** Sizes of the parts the object was uploaded with (multipart objects only). */
  partSizes?: number[];
  lastModified: Date;
  sse?: Sse;
}

export const md5hex = (b: Buffer) => createHash("md5").update(b).digest("hex");

/** The ETag S3 gives a body: its MD5, or (SSE-KMS) 32 hex digits that are not its MD5. */
export function etagOf(body: Buffer, sse: Sse): string {
  return sse === "aws:kms"
    ? createHash("md5").update("sse-kms:").update(body).digest("hex")
    : md5hex(body);
}

/** `md5(concat(part etags))-N`, as S3 names a completed multipart upload. */
export function compositeOf(partEtags: readonly string[]): string {
  const hash = createHash("md5");
  for (const etag of partEtags) hash.update(Buffer.from(etag, "hex"));
  return `${hash.digest("hex")}-${partEtags.length}`;
}

/** An error shaped as the SDK throws it for an S3 error answer. */
export function s3Error(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

/** The encryption of a write: the request's own `ServerSideEncryption`, else the bucket's default. */
export function sseOf(requested: string | undefined, defaultSse: Sse): Sse {
  if (requested === "aws:kms") return "aws:kms";
  return requested === undefined ? defaultSse : "NONE";
}

/** Throws BadDigest when a Content-MD5 was sent and the body does not match it. */
export function checkContentMd5(body: Buffer, contentMd5: string | undefined): void {
  if (contentMd5 !== undefined && createHash("md5").update(body).digest("base64") !== contentMd5) {
    throw s3Error("BadDigest", 400);
  }
}
