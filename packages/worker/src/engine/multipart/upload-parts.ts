import { setMaxListeners } from "node:events";
import { GetObjectCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { type CopyJob, RetryableError } from "@s3-migration/common";
import pLimit from "p-limit";
import { unquote } from "../hashing/checksums.js";
import { PartDigest } from "../hashing/part-digest.js";
import { fillFromBody } from "../memory/body-reader.js";
import type { BufferLease } from "../memory/buffer-lease.js";
import type { CopyContext } from "../transfer/copy-types.js";
import { isPreconditionFailed, SourceChangedError, withRetries } from "../transfer/retry.js";
import { destinationEtagsAreMd5 } from "../transfer/transfer-options.js";
import type { PartSpec } from "./part-layout.js";

/** Where the parts go and how the source reads are pinned. */
export interface PartTarget {
  readonly job: CopyJob;
  readonly uploadId: string;
  readonly pin: { VersionId?: string; IfMatch?: string };
  /** The layout's part size: every part's buffer has this size. */
  readonly partSize: number;
}

/** Abort listeners one part in flight may hang on its object's signal at once. */
const LISTENERS_PER_PART = 4;

/**
 * Copies `parts` into the upload, each on one of the worker's connections (at most `MaxThread`
 * of this object at once when set): each part is a ranged GET into a part
 * buffer leased from the process's memory budget (reused from part to part), hashed as it
 * arrives (see PartDigest), an UploadPart with that Content-MD5, and a check that the ETag S3
 * returns is that MD5. Returns part number → ETag.
 *
 * After the first failure no new part starts; parts in flight finish (they stay in the upload
 * for the next attempt), except on a source change, which cancels them: their bytes are stale.
 */
export async function uploadParts(
  target: PartTarget,
  parts: readonly PartSpec[],
  ctx: CopyContext,
): Promise<Map<number, string>> {
  const { options, connections } = ctx.deps;
  // MaxThread caps this object; unset, it may queue as many parts as there are connections.
  const limit = pLimit(options.maxThread ?? connections?.capacity ?? Math.max(1, parts.length));
  const viaPool = <T>(request: () => Promise<T>) =>
    connections ? connections.run(request) : request();
  const cancel = new AbortController();
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, cancel.signal]) : cancel.signal;
  // Every part in flight hangs a few abort listeners on it (the SDK's retry and HTTP handler,
  // a wait for budget or bandwidth): dozens at once are expected, not a leak.
  setMaxListeners(LISTENERS_PER_PART * limit.concurrency + 16, signal);
  const etags = new Map<number, string>();
  let firstError: unknown;
  await Promise.all(
    parts.map((part) =>
      limit(() =>
        viaPool(async () => {
          if (firstError !== undefined || signal.aborted) return;
          try {
            etags.set(part.partNumber, await copyPart(target, part, { ...ctx, signal }));
          } catch (err) {
            if (firstError === undefined) {
              firstError = err;
              if (err instanceof SourceChangedError) cancel.abort(err);
            }
          }
        }),
      ),
    ),
  );
  if (firstError !== undefined) throw firstError;
  ctx.signal?.throwIfAborted();
  return etags;
}

async function copyPart(target: PartTarget, part: PartSpec, ctx: CopyContext): Promise<string> {
  const { deps, signal } = ctx;
  const { job } = target;
  return withRetries(
    async () => {
      // Every part's buffer has the layout's part size (the last part fills it partly), so one
      // object's buffers are interchangeable and reused from part to part.
      const lease = await deps.budget.lease(target.partSize, signal);
      // The buffer may be reused only once no request can still read it (see BufferLease).
      let reusable = true;
      try {
        const digest = await readRange(target, part, lease, ctx);
        reusable = false;
        const out = await deps.destination.send(
          new UploadPartCommand({
            Bucket: job.dstBucket,
            Key: job.dstKey,
            UploadId: target.uploadId,
            PartNumber: part.partNumber,
            Body: lease.bytes(),
            ContentLength: part.size,
            ContentMD5: digest.toString("base64"),
          }),
          { abortSignal: signal },
        );
        // S3 answered: it had received all ContentLength bytes, so the write is over.
        reusable = true;
        const hex = digest.toString("hex");
        if (destinationEtagsAreMd5(deps.options) && unquote(out.ETag) !== hex) {
          throw new RetryableError(
            `part ${part.partNumber}: destination ETag ${out.ETag} does not match the MD5 ${hex} sent`,
          );
        }
        deps.logger.debug("part copied", {
          dstKey: job.dstKey,
          uploadId: target.uploadId,
          partNumber: part.partNumber,
          sizeBytes: part.size,
        });
        ctx.onProgress?.({ partNumber: part.partNumber, bytes: part.size });
        return destinationEtagsAreMd5(deps.options) ? hex : unquote(out.ETag);
      } finally {
        lease.release(reusable);
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

/**
 * Reads the part's bytes from the pinned source into `lease`, hashing them as they arrive (on a
 * hasher thread when there is one; no intermediate copy of the whole part), and checks their
 * length. Returns the MD5.
 */
async function readRange(
  target: PartTarget,
  part: PartSpec,
  lease: BufferLease,
  ctx: CopyContext,
): Promise<Buffer> {
  const { job } = target;
  try {
    const out = await ctx.deps.source.send(
      new GetObjectCommand({
        Bucket: job.srcBucket,
        Key: job.srcKey,
        Range: `bytes=${part.start}-${part.end - 1}`,
        ...target.pin,
      }),
      { abortSignal: ctx.signal },
    );
    const digest = new PartDigest(lease, ctx.deps.hasher, ctx.deps.logger);
    try {
      const cap = { bandwidth: ctx.deps.bandwidth, signal: ctx.signal };
      const overflow = await fillFromBody(out.Body, lease, digest.onChunk, cap);
      if (overflow || lease.filled !== part.size) {
        const got = overflow ? `more than ${part.size}` : String(lease.filled);
        throw new RetryableError(
          `part ${part.partNumber}: the source returned ${got} bytes, expected ${part.size}`,
        );
      }
    } catch (err) {
      digest.abandon();
      throw err;
    }
    return await digest.digest();
  } catch (err) {
    if (isPreconditionFailed(err)) {
      throw new SourceChangedError(
        `s3://${job.srcBucket}/${job.srcKey} changed during the copy (pinned read of part ${part.partNumber} failed)`,
        { cause: err },
      );
    }
    throw err;
  }
}
