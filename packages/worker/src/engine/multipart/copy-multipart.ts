import {
  CompleteMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
} from "@aws-sdk/client-s3";
import {
  awsErrorIs,
  type CopyJob,
  classifyAwsError,
  ObjectError,
  RetryableError,
} from "@s3-migration/common";
import { compositeEtag, unquote } from "../hashing/checksums.js";
import type { CopyContext, CopyResult } from "../transfer/copy-types.js";
import { SourceChangedError } from "../transfer/retry.js";
import {
  headFirstPart,
  headSource,
  pinSource,
  type SourceObject,
  sourcePartsHaveSizes,
} from "../transfer/source-object.js";
import { destinationEtagsAreMd5 } from "../transfer/transfer-options.js";
import { abortUpload, listAllParts } from "./destination-uploads.js";
import { openUpload } from "./open-upload.js";
import { mirrorLayout, type PartLayout, planLayout } from "./part-layout.js";
import { type PartTarget, uploadParts } from "./upload-parts.js";

/** Rounds of "list parts, re-send what is missing" before completing. */
const COMPLETE_ROUNDS = 3;

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
  // An explicit old version may share the key with uploads of other versions: never resume those.
  const allowResume = requestedVersion === undefined;
  const upload = await openUpload(job, source, layout, allowResume, ctx);
  const target: PartTarget = {
    job,
    uploadId: upload.uploadId,
    pin: pinSource(source, deps.options.getObjectWithVersionId),
    partSize: layout.partSize,
  };
  try {
    const missing = layout.parts.filter((p) => !upload.reused.has(p.partNumber));
    const sent = await uploadParts(target, missing, ctx);
    const { etag, resent } = await completeVerified(target, layout, source, sent, ctx);
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

/** The source's own part boundaries when it has them and the service reveals them, else ours. */
async function chooseLayout(
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

/**
 * Lists the upload's parts from S3, re-sends any that are missing or differ, completes with
 * the parts S3 reports, then checks the finished object: size, and ETag equal to the composite
 * of the part MD5s (HeadObject: CompleteMultipartUpload's own answer is empty on Ceph).
 */
async function completeVerified(
  target: PartTarget,
  layout: PartLayout,
  source: SourceObject,
  sent: Map<number, string>,
  ctx: CopyContext,
): Promise<{ etag: string; resent: number[] }> {
  const { deps, signal } = ctx;
  const { job, uploadId } = target;
  const resent: number[] = [];
  let listed = new Map<number, { size: number; etag: string }>();
  for (let round = 0; ; round++) {
    const parts = await listAllParts(deps.destination, job.dstBucket, job.dstKey, uploadId, signal);
    listed = new Map(parts.map((p) => [p.partNumber, p]));
    const missing = layout.parts.filter((spec) => {
      const got = listed.get(spec.partNumber);
      const ours = sent.get(spec.partNumber);
      return (
        got === undefined || got.size !== spec.size || (ours !== undefined && ours !== got.etag)
      );
    });
    if (missing.length === 0) break;
    if (round + 1 >= COMPLETE_ROUNDS) {
      throw new RetryableError(
        `${missing.length} parts still missing from upload ${uploadId} after re-sending`,
      );
    }
    deps.logger.warn("parts missing before complete, re-sending", {
      dstKey: job.dstKey,
      uploadId,
      partNumbers: missing.map((p) => p.partNumber).slice(0, 20),
    });
    for (const [pn, etag] of await uploadParts(target, missing, ctx)) {
      sent.set(pn, etag);
      resent.push(pn);
    }
  }
  const partEtags = layout.parts.map((spec) => listed.get(spec.partNumber)?.etag ?? "");
  try {
    await deps.destination.send(
      new CompleteMultipartUploadCommand({
        Bucket: job.dstBucket,
        Key: job.dstKey,
        UploadId: uploadId,
        MultipartUpload: {
          Parts: layout.parts.map((spec, i) => ({
            PartNumber: spec.partNumber,
            ETag: `"${partEtags[i]}"`,
          })),
        },
      }),
      { abortSignal: signal },
    );
  } catch (err) {
    // A duplicate delivery of this job may have completed the same upload first: the object
    // check below decides whether that is our object.
    if (!awsErrorIs(err, "upload-gone")) throw err;
    deps.logger.info("upload already completed by another attempt; checking the object", {
      dstKey: job.dstKey,
      uploadId,
    });
  }
  const head = await deps.destination.send(
    new HeadObjectCommand({ Bucket: job.dstBucket, Key: job.dstKey }),
    { abortSignal: signal },
  );
  const etag = unquote(head.ETag);
  const expected = compositeEtag(partEtags);
  if (
    head.ContentLength !== source.size ||
    (destinationEtagsAreMd5(deps.options) && etag !== expected)
  ) {
    throw new RetryableError(
      `destination object after completion has ${head.ContentLength} bytes and ETag ${etag}; expected ${source.size} bytes and ${expected}`,
    );
  }
  if (layout.origin === "mirror" && etag !== source.etag) {
    await explainMirrorMismatch(target, layout, source, etag, ctx);
  }
  return { etag, resent };
}

/**
 * A copy cut on the source's own part boundaries must end with the source's ETag. If it does
 * not, either the source was cut unevenly after all (the copy is right: keep it, with a
 * warning) or bytes changed between the source and the worker: then the destination object
 * is deleted and the copy fails as retryable, so a corrupt object never stays.
 */
async function explainMirrorMismatch(
  target: PartTarget,
  layout: PartLayout,
  source: SourceObject,
  etag: string,
  ctx: CopyContext,
): Promise<void> {
  const { deps, signal } = ctx;
  const { job } = target;
  const sizes = layout.parts.map((p) => p.size);
  if (!(await sourcePartsHaveSizes(deps.source, job, source, sizes, signal))) {
    deps.logger.warn(
      "source parts were not uniform; destination verified by the worker's MD5s only",
      {
        srcKey: job.srcKey,
        sourceEtag: source.etag,
        etag,
      },
    );
    return;
  }
  await deps.destination.send(new DeleteObjectCommand({ Bucket: job.dstBucket, Key: job.dstKey }), {
    abortSignal: signal,
  });
  throw new RetryableError(
    `destination ETag ${etag} differs from the source's ${source.etag} although both have the same parts: bytes changed between source and worker; destination object deleted`,
  );
}
