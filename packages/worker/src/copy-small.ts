import type { Readable } from "node:stream";
import { GetObjectCommand, GetObjectTaggingCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { type CopyJob, RetryableError } from "@s3-migration/common";
import { hexToBase64, md5, unquote } from "./checksums.js";
import type { CopyContext, CopyResult } from "./copy-types.js";
import { withRetries } from "./retry.js";
import type { S3Send } from "./s3-send.js";
import { describeSource, type SourceObject } from "./source-object.js";
import { destinationEtagsAreMd5, destinationWriteFields } from "./transfer-options.js";

/**
 * Copies an object of at most `ResumableThreshold` bytes with one GET and one PUT. When the
 * source states its MD5 (single-part, not KMS), that MD5 goes out as Content-MD5 and the body
 * streams straight from the GET into the PUT without being hashed or buffered: the destination
 * then checks the bytes against the source's own checksum, end to end. Otherwise the worker
 * hashes the buffered body. Returns `"too-large"` when the object has grown past the threshold
 * since it was listed (the caller goes multipart).
 */
export async function copySmallObject(
  job: CopyJob,
  versionId: string | undefined,
  ctx: CopyContext,
): Promise<CopyResult | "too-large"> {
  const { deps, signal } = ctx;
  const started = Date.now();
  return withRetries(
    async () => {
      const out = await deps.source.send(
        new GetObjectCommand({ Bucket: job.srcBucket, Key: job.srcKey, VersionId: versionId }),
        { abortSignal: signal },
      );
      const stream = out.Body as Readable | undefined;
      const source = describeSource(out, out.ContentLength ?? 0);
      if (source.size > deps.options.resumableThresholdBytes) {
        stream?.destroy();
        return "too-large" as const;
      }
      const release = await deps.budget.reserve(Math.max(1, source.size), signal);
      try {
        const tagging = await sourceTagging(
          deps.source,
          job,
          source,
          deps.options.copyObjectTags,
          signal,
        );
        let body: Readable | Buffer;
        let md5Hex: string;
        if (source.md5Hex !== undefined && source.size > 0 && stream !== undefined) {
          body = stream;
          md5Hex = source.md5Hex;
        } else {
          body = Buffer.from((await out.Body?.transformToByteArray()) ?? new Uint8Array());
          if (body.length !== source.size) {
            throw new RetryableError(
              `source body was ${body.length} bytes, expected ${source.size}`,
            );
          }
          md5Hex = md5(body).toString("hex");
        }
        const put = await deps.destination.send(
          new PutObjectCommand({
            Bucket: job.dstBucket,
            Key: job.dstKey,
            Body: body,
            ContentLength: source.size,
            ContentMD5: hexToBase64(md5Hex),
            ...source.headers,
            ...destinationWriteFields(deps.options),
            Tagging: tagging,
          }),
          { abortSignal: signal },
        );
        if (destinationEtagsAreMd5(deps.options) && unquote(put.ETag) !== md5Hex) {
          throw new RetryableError(
            `destination ETag ${put.ETag} does not match the MD5 ${md5Hex} sent`,
          );
        }
        ctx.onProgress?.({ partNumber: 1, bytes: source.size });
        return {
          method: "single-put",
          bytes: source.size,
          bytesUploaded: source.size,
          parts: 1,
          partsReused: 0,
          partsUploaded: 1,
          checksum: source.md5Hex !== undefined ? "source-md5" : "worker-md5",
          etag: unquote(put.ETag),
          sourceEtag: source.etag,
          versionId: source.versionId,
          restarts: 0,
          durationMs: Date.now() - started,
        } satisfies CopyResult;
      } catch (err) {
        stream?.destroy();
        throw err;
      } finally {
        release();
      }
    },
    {
      maxRetry: deps.options.maxRetry,
      baseDelayMs: deps.options.retryBaseDelayMs,
      signal,
      onRetry: ctx.onRetry,
    },
  );
}

/** The source's tags as a `Tagging` header value, when tags are copied. */
export async function sourceTagging(
  s3: S3Send,
  job: CopyJob,
  source: SourceObject,
  copyTags: boolean,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  if (!copyTags) return undefined;
  const out = await s3.send(
    new GetObjectTaggingCommand({
      Bucket: job.srcBucket,
      Key: job.srcKey,
      VersionId: source.versionId,
    }),
    { abortSignal: signal },
  );
  const tags = out.TagSet ?? [];
  if (tags.length === 0) return undefined;
  return new URLSearchParams(
    tags.map((t): [string, string] => [t.Key ?? "", t.Value ?? ""]),
  ).toString();
}
