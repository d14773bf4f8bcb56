import type { Readable } from "node:stream";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { type CopyJob, RetryableError } from "@s3-migration/common";
import { hexToBase64, md5, unquote } from "./hashing/checksums.js";
import { throttle } from "./memory/bandwidth-cap.js";
import { readExactly } from "./memory/body-reader.js";
import type { CopyContext, CopyResult, LeanPaths } from "./transfer/copy-types.js";
import { withRetries } from "./transfer/retry.js";
import { describeSource, type SourceAnswer, type SourceObject } from "./transfer/source-object.js";
import { sourceTagging } from "./transfer/source-tagging.js";
import {
  destinationEtagsAreMd5,
  destinationWriteFields,
  streamAboveBytes,
  type TransferOptions,
} from "./transfer/transfer-options.js";

/**
 * What a streamed single PUT holds in memory at most: the GET's and the PUT's stream buffers
 * (a few 64 KiB socket chunks), rounded up. Reserved in the memory budget instead of the size.
 */
export const STREAM_RESERVE_BYTES = 1024 * 1024;

/**
 * Copies an object of at most `ResumableThreshold` bytes with one GET and one PUT. When the
 * source states its MD5 (single-part, not KMS), that MD5 goes out as Content-MD5 and the body
 * is not hashed: the destination checks the bytes against the source's own checksum, end to
 * end. Such a body is buffered up to `streamAboveBytes` and streamed from the GET into the PUT
 * above it (memory stays flat however large the object). Otherwise the worker buffers and
 * hashes the body. Returns `"too-large"` when the object must go multipart after all: it has
 * grown past the threshold since it was listed, or it is a multipart source of more than one
 * part's size, which the multipart path can cut on the source's own boundaries so that the
 * destination's ETag must equal the source's (end to end), where a single PUT could only be
 * checked against the worker's own MD5. (Only thresholds above 5 MiB meet such sources.)
 *
 * The first attempt uses the lean paths handed in (`deps.lean`: plain GetObject/PutObject
 * without the SDK's middleware stack); retries go through the SDK.
 */
export async function copySmallObject(
  job: CopyJob,
  versionId: string | undefined,
  ctx: CopyContext,
): Promise<CopyResult | "too-large"> {
  const started = Date.now();
  const { options } = ctx.deps;
  const { connections } = ctx.deps;
  const once = (attempt: number) =>
    copyOnce(job, versionId, attempt === 0 ? ctx.deps.lean : undefined, ctx, started);
  return withRetries(
    // Each attempt holds one of the worker's connections; a retry's backoff does not.
    (attempt) => (connections ? connections.run(() => once(attempt)) : once(attempt)),
    {
      maxRetry: options.maxRetry,
      baseDelayMs: options.retryBaseDelayMs,
      signal: ctx.signal,
      onRetry: ctx.onRetry,
    },
  );
}

/** One attempt: GET, then PUT of the body (buffered, or streamed from the GET). */
async function copyOnce(
  job: CopyJob,
  versionId: string | undefined,
  lean: LeanPaths | undefined,
  ctx: CopyContext,
  started: number,
): Promise<CopyResult | "too-large"> {
  const { deps, signal } = ctx;
  const got = await getSource(job, versionId, lean?.source, ctx);
  const { out, stream } = got;
  const source = describeSource(out, out.ContentLength ?? 0);
  if (goesMultipart(source, deps.options)) {
    stream?.destroy();
    return "too-large";
  }
  const streamed =
    source.md5Hex !== undefined && source.size > streamAboveBytes(deps.options) && stream;
  let release: (() => void) | undefined;
  try {
    release = await deps.budget.reserve(
      streamed ? STREAM_RESERVE_BYTES : Math.max(1, source.size),
      signal,
    );
    const { bandwidth } = deps;
    let body: Buffer | Readable;
    if (!streamed) body = await readExactly(out.Body, source.size, { bandwidth, signal });
    // The cap counts source bytes: a streamed body is held back on its way into the PUT.
    else body = bandwidth ? throttle(streamed, bandwidth, signal) : streamed;
    const md5Hex = source.md5Hex ?? md5(body as Buffer).toString("hex");
    const etag = await putObject(job, source, body, md5Hex, got.lean ? lean : undefined, ctx);
    ctx.onProgress?.({ partNumber: 1, bytes: source.size });
    return singlePutResult(source, etag, Date.now() - started);
  } catch (err) {
    stream?.destroy();
    throw err;
  } finally {
    release?.();
  }
}

/**
 * PutObject with Content-MD5 (through the lean path when the GET went that way), checked
 * against the ETag S3 answers. Returns the destination's ETag without quotes.
 */
async function putObject(
  job: CopyJob,
  source: SourceObject,
  body: Buffer | Readable,
  md5Hex: string,
  lean: LeanPaths | undefined,
  ctx: CopyContext,
): Promise<string> {
  const { deps, signal } = ctx;
  const input = {
    Bucket: job.dstBucket,
    Key: job.dstKey,
    Body: body,
    ContentLength: source.size,
    ContentMD5: hexToBase64(md5Hex),
    ...source.headers,
    ...destinationWriteFields(deps.options),
    Tagging: await sourceTagging(deps.source, job, source, deps.options.copyObjectTags, signal),
  };
  const put =
    (await lean?.destination.putObject(input, signal)) ??
    (await deps.destination.send(new PutObjectCommand(input), { abortSignal: signal }));
  if (destinationEtagsAreMd5(deps.options) && unquote(put.ETag) !== md5Hex) {
    throw new RetryableError(`destination ETag ${put.ETag} does not match the MD5 ${md5Hex} sent`);
  }
  return unquote(put.ETag);
}

function singlePutResult(source: SourceObject, etag: string, durationMs: number): CopyResult {
  return {
    method: "single-put",
    bytes: source.size,
    bytesUploaded: source.size,
    parts: 1,
    partsReused: 0,
    partsUploaded: 1,
    checksum: source.md5Hex !== undefined ? "source-md5" : "worker-md5",
    etag,
    sourceEtag: source.etag,
    versionId: source.versionId,
    restarts: 0,
    durationMs,
  };
}

/** See {@link copySmallObject}: too large now, or a multipart source worth mirroring. */
function goesMultipart(source: SourceObject, options: TransferOptions): boolean {
  if (source.size > options.resumableThresholdBytes) return true;
  const parts = source.etagPartCount ?? 1;
  return parts >= 2 && source.size > options.minPartSizeBytes;
}

/** The source's GET answer: through the lean path when it serves this object, else the SDK. */
async function getSource(
  job: CopyJob,
  versionId: string | undefined,
  lean: LeanPaths["source"] | undefined,
  ctx: CopyContext,
): Promise<{
  out: SourceAnswer & { readonly ContentLength?: number | undefined; readonly Body?: unknown };
  stream: Readable | undefined;
  lean: boolean;
}> {
  const input = { Bucket: job.srcBucket, Key: job.srcKey, VersionId: versionId };
  const fast = await lean?.getObject(input, ctx.signal);
  if (fast !== undefined) return { out: fast, stream: fast.Body, lean: true };
  const out = await ctx.deps.source.send(new GetObjectCommand(input), {
    abortSignal: ctx.signal,
  });
  return { out, stream: isStream(out.Body) ? out.Body : undefined, lean: false };
}

function isStream(body: unknown): body is Readable {
  return typeof (body as Readable | undefined)?.pipe === "function";
}
