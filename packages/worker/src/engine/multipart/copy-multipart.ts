import { type CopyJob, classifyAwsError, ObjectError } from "@s3-migration/common";
import type { CopyContext, CopyResult } from "../transfer/copy-types.js";
import { SourceChangedError } from "../transfer/retry.js";
import {
  headFirstPart,
  headSource,
  pinSource,
  type SourceObject,
} from "../transfer/source-object.js";
import { completeVerified } from "./complete-upload.js";
import { abortUpload } from "./destination-uploads.js";
import { openUpload } from "./open-upload.js";
import { mirrorLayout, type PartLayout, planLayout } from "./part-layout.js";
import { type PartTarget, uploadParts } from "./upload-parts.js";

/**
 * Copies a large object as a multipart upload, resuming the parts an earlier attempt left in
 * the destination. When the source changes under the copy, the upload is aborted and the
 * object starts over (at most `maxSourceRestarts` times, then an ObjectError).
 */
export async function copyMultipartObject(
  job: CopyJob,
  requestedVersion: string | undefined,
  ctx: CopyContext,
): Promise<CopyResult> {
  const started = Date.now();
  for (let restarts = 0; ; restarts++) {
    try {
      return await copyOnce(job, requestedVersion, restarts, started, ctx);
    } catch (err) {
      if (!(err instanceof SourceChangedError)) throw err;
      if (restarts >= ctx.deps.options.maxSourceRestarts) {
        throw new ObjectError(`source changed ${restarts + 1} times during the copy; giving up`, {
          cause: err,
        });
      }
      ctx.deps.logger.warn("source changed during the copy, starting over", {
        srcKey: job.srcKey,
        attempt: restarts + 1,
      });
    }
  }
}

async function copyOnce(
  job: CopyJob,
  requestedVersion: string | undefined,
  restarts: number,
  started: number,
  ctx: CopyContext,
): Promise<CopyResult> {
  const { deps, signal } = ctx;
  const source = await headSource(deps.source, job, requestedVersion, signal);
  const layout = await chooseLayout(job, source, ctx);
  const upload = await openUpload(job, source, layout, ctx);
  const partsCtx = countingParts(ctx, upload.reused.size, layout.parts.length);
  const target: PartTarget = {
    job,
    uploadId: upload.uploadId,
    pin: pinSource(source, deps.options.getObjectWithVersionId),
    partSize: layout.partSize,
  };
  try {
    const missing = layout.parts.filter((p) => !upload.reused.has(p.partNumber));
    const sent = await uploadParts(target, missing, partsCtx);
    const { etag, resent } = await completeVerified(
      target,
      layout,
      source,
      sent,
      upload.reused,
      partsCtx,
    );
    const uploaded = [...sent.keys(), ...resent];
    return {
      method: "multipart",
      bytes: source.size,
      bytesUploaded: uploaded.reduce((n, pn) => n + (layout.parts[pn - 1]?.size ?? 0), 0),
      parts: layout.parts.length,
      partsReused: layout.parts.length - new Set(uploaded).size,
      partsUploaded: new Set(uploaded).size,
      checksum: layout.origin === "mirror" && etag === source.etag ? "mirror-etag" : "worker-md5",
      etag,
      sourceEtag: source.etag,
      versionId: source.versionId,
      uploadId: upload.uploadId,
      restarts,
      durationMs: Date.now() - started,
    };
  } catch (err) {
    // Stale parts (source changed) or an object that cannot be copied: the upload is useless.
    if (err instanceof SourceChangedError || classifyAwsError(err) === "object") {
      await abortUpload(deps.destination, job.dstBucket, job.dstKey, upload.uploadId).catch(
        (abortErr: unknown) =>
          deps.logger.warn("abort of a useless upload failed", {
            uploadId: upload.uploadId,
            error: abortErr,
          }),
      );
    }
    throw err;
  }
}

/** `ctx` whose progress also reports parts done / total (`onParts`), starting from `done`. */
function countingParts(ctx: CopyContext, done: number, total: number): CopyContext {
  const { onParts, onProgress } = ctx;
  if (onParts === undefined) return ctx;
  let count = done;
  onParts(count, total);
  return {
    ...ctx,
    onProgress: (progress) => {
      onProgress?.(progress);
      onParts(Math.min(total, ++count), total);
    },
  };
}

/** The source's own part boundaries when it has them and the service reveals them, else ours. */
export async function chooseLayout(
  job: CopyJob,
  source: SourceObject,
  ctx: CopyContext,
): Promise<PartLayout> {
  const { options } = ctx.deps;
  if (source.etagPartCount !== undefined && source.etagPartCount >= 2) {
    const first = await headFirstPart(ctx.deps.source, job, source, ctx.signal);
    if (first !== undefined && first.partsCount === source.etagPartCount) {
      const mirror = mirrorLayout(
        source.size,
        first.partsCount,
        first.firstPartSize,
        options.minPartSizeBytes,
      );
      if (mirror !== undefined) return mirror;
    }
  }
  return planLayout(source.size, options.chunkSizeBytes);
}
