import {
  CompleteMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
} from "@aws-sdk/client-s3";
import { awsErrorIs, RetryableError } from "@s3-migration/common";
import { compositeEtag, unquote } from "../hashing/checksums.js";
import type { CopyContext } from "../transfer/copy-types.js";
import { type SourceObject, sourcePartsHaveSizes } from "../transfer/source-object.js";
import { destinationEtagsAreMd5 } from "../transfer/transfer-options.js";
import { listAllParts } from "./destination-uploads.js";
import type { PartLayout, PartSpec } from "./part-layout.js";
import { type PartTarget, uploadParts } from "./upload-parts.js";

/** Rounds of "list parts, re-send what is missing" before completing. */
const COMPLETE_ROUNDS = 3;

/** A part as ListParts reports it. */
type ListedPart = { readonly size: number; readonly etag: string };

/**
 * Completes the upload and checks the finished object: its ETag must be the composite of the
 * part MD5s, and its size the source's.
 *
 * Across a long-haul link every request costs a round trip, so the success path makes as few
 * as it can: when this copy knows every part's ETag (sent now, or listed when it resumed), it
 * completes with them at once; S3 checks each part against its ETag and answers InvalidPart
 * if one is missing or differs. Only then are the parts listed, the missing or different ones
 * re-sent, and the completion made with the parts S3 lists. The completion's own ETag, when
 * S3 gives one and ETags are MD5s, proves the object is exactly those parts (each checked for
 * its size and MD5 when sent or listed); otherwise (Ceph answers an empty ETag, SSE-KMS) a
 * HeadObject checks size and ETag.
 */
export async function completeVerified(
  target: PartTarget,
  layout: PartLayout,
  source: SourceObject,
  sent: Map<number, string>,
  reused: ReadonlyMap<number, string>,
  ctx: CopyContext,
): Promise<{ etag: string; resent: number[] }> {
  const known = layout.parts.map(
    (spec) => sent.get(spec.partNumber) ?? reused.get(spec.partNumber) ?? "",
  );
  let resent: number[] = [];
  let completed: Completion = known.every((etag) => etag !== "")
    ? await confirmAndComplete(target, layout, known, ctx, true)
    : INVALID_PART;
  let partEtags = known;
  if (completed === INVALID_PART) {
    const ensured = await ensureEveryPart(target, layout, sent, ctx);
    resent = ensured.resent;
    partEtags = layout.parts.map((spec) => ensured.listed.get(spec.partNumber)?.etag ?? "");
    completed = await confirmAndComplete(target, layout, partEtags, ctx, false);
  }
  const expected = compositeEtag(partEtags);
  const etag =
    completed === expected && destinationEtagsAreMd5(ctx.deps.options)
      ? completed
      : await checkCompletedObject(target, source, expected, ctx);
  if (layout.origin === "mirror" && etag !== source.etag) {
    await explainMirrorMismatch(target, layout, source, etag, ctx);
  }
  return { etag, resent };
}

/** A completion S3 refused with InvalidPart: the parts must be listed first. */
const INVALID_PART = Symbol("invalid-part");

/** The completion's ETag ("" when S3 gives none), or {@link INVALID_PART} (only when allowed). */
type Completion = string | typeof INVALID_PART;

/** The lease confirmed, then the completion (see {@link completeUpload}). */
async function confirmAndComplete(
  target: PartTarget,
  layout: PartLayout,
  partEtags: readonly string[],
  ctx: CopyContext,
  invalidPartAllowed: boolean,
): Promise<Completion> {
  // A stale attempt (its lease taken over while it was frozen or cut off) stops here.
  await ctx.ledger?.confirm(ctx.signal);
  try {
    return await completeUpload(target, layout, partEtags, ctx);
  } catch (err) {
    if (invalidPartAllowed && awsErrorIs(err, "invalid-part")) {
      ctx.deps.logger.warn("completion refused a part; listing the parts", {
        dstKey: target.job.dstKey,
        uploadId: target.uploadId,
        error: err,
      });
      return INVALID_PART;
    }
    throw err;
  }
}

/**
 * Lists the upload's parts and re-sends those missing or different from what this copy sent,
 * until S3 lists every part of the layout (at most {@link COMPLETE_ROUNDS} rounds).
 */
async function ensureEveryPart(
  target: PartTarget,
  layout: PartLayout,
  sent: Map<number, string>,
  ctx: CopyContext,
): Promise<{ listed: Map<number, ListedPart>; resent: number[] }> {
  const { deps, signal } = ctx;
  const { job, uploadId } = target;
  const resent: number[] = [];
  for (let round = 0; ; round++) {
    const parts = await listAllParts(deps.destination, job.dstBucket, job.dstKey, uploadId, signal);
    const listed = new Map<number, ListedPart>(parts.map((p) => [p.partNumber, p]));
    const missing = layout.parts.filter((spec) => !partIsThere(spec, listed, sent));
    if (missing.length === 0) return { listed, resent };
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
}

function partIsThere(
  spec: PartSpec,
  listed: ReadonlyMap<number, ListedPart>,
  sent: ReadonlyMap<number, string>,
): boolean {
  const got = listed.get(spec.partNumber);
  const ours = sent.get(spec.partNumber);
  return got !== undefined && got.size === spec.size && (ours === undefined || ours === got.etag);
}

/**
 * CompleteMultipartUpload with these part ETags; returns the object's ETag as S3 answers it
 * ("" when it gives none). An upload already completed is no error ("": the object check that
 * follows decides).
 */
async function completeUpload(
  target: PartTarget,
  layout: PartLayout,
  partEtags: readonly string[],
  ctx: CopyContext,
): Promise<string> {
  const { job, uploadId } = target;
  try {
    const out = await ctx.deps.destination.send(
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
      { abortSignal: ctx.signal },
    );
    return unquote(out.ETag);
  } catch (err) {
    // A duplicate delivery of this job may have completed the same upload first: the object
    // check that follows decides whether that is our object.
    if (!awsErrorIs(err, "upload-gone")) throw err;
    ctx.deps.logger.info("upload already completed by another attempt; checking the object", {
      dstKey: job.dstKey,
      uploadId,
    });
    return "";
  }
}

/** HeadObject of the completed object: the source's size and the expected ETag, or it throws. */
async function checkCompletedObject(
  target: PartTarget,
  source: SourceObject,
  expected: string,
  ctx: CopyContext,
): Promise<string> {
  const { job } = target;
  const head = await ctx.deps.destination.send(
    new HeadObjectCommand({ Bucket: job.dstBucket, Key: job.dstKey }),
    { abortSignal: ctx.signal },
  );
  const etag = unquote(head.ETag);
  if (
    head.ContentLength !== source.size ||
    (destinationEtagsAreMd5(ctx.deps.options) && etag !== expected)
  ) {
    throw new RetryableError(
      `destination object after completion has ${head.ContentLength} bytes and ETag ${etag}; expected ${source.size} bytes and ${expected}`,
    );
  }
  return etag;
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
