import { CreateMultipartUploadCommand } from "@aws-sdk/client-s3";
import { awsErrorIs, type CopyJob } from "@s3-migration/common";
import { isMd5Etag } from "../hashing/checksums.js";
import type { CopyContext } from "../transfer/copy-types.js";
import type { SourceObject } from "../transfer/source-object.js";
import { sourceTagging } from "../transfer/source-tagging.js";
import { destinationEtagsAreMd5, destinationWriteFields } from "../transfer/transfer-options.js";
import type { UploadBinding } from "../transfer/upload-ledger.js";
import {
  abortUpload,
  listAllParts,
  listUploadsForKey,
  type UploadedPart,
} from "./destination-uploads.js";
import type { PartLayout } from "./part-layout.js";

/** The upload a copy writes into, and the parts it already holds that fit the layout. */
export interface OpenedUpload {
  readonly uploadId: string;
  /** Part number → ETag of parts kept from an earlier attempt. */
  readonly reused: ReadonlyMap<number, string>;
  readonly resumed: boolean;
}

/**
 * Resumes the upload the ledger binds to this object when the binding matches the source as
 * it is now (ETag, size, version) and the layout (part size); otherwise starts a new upload
 * and records its binding. No timestamp is compared: every read of a copy is pinned to the
 * version its binding names, so a bound upload can only hold that version's bytes, and the
 * parts S3 lists are the truth for what is uploaded.
 *
 * A bound upload that no longer matches is aborted (the lease says no other attempt uses it).
 * Uploads of the key that no binding names (another tool's, or an earlier attempt's whose
 * item was lost) are never reused; with `CleanUnfinishedUpload` they are aborted.
 */
export async function openUpload(
  job: CopyJob,
  source: SourceObject,
  layout: PartLayout,
  ctx: CopyContext,
): Promise<OpenedUpload> {
  const bound = ctx.ledger?.recorded;
  const fits = bound !== undefined && bindingFits(bound, source, layout);
  const kept = fits ? await reusableParts(job, bound.uploadId, layout, ctx) : "changed";
  if (bound !== undefined && typeof kept === "string" && kept !== "gone") {
    await dropBound(job, bound, kept, ctx);
  }
  if (ctx.deps.options.cleanUnfinishedUpload) {
    await abortUnbound(job, typeof kept === "string" ? undefined : bound?.uploadId, ctx);
  }
  if (bound !== undefined && typeof kept !== "string") {
    return { uploadId: bound.uploadId, reused: kept, resumed: true };
  }
  const uploadId = await createUpload(job, source, ctx);
  await ctx.ledger?.bind(
    {
      uploadId,
      sourceEtag: source.etag,
      sourceSize: source.size,
      sourceVersionId: source.versionId,
      partSize: layout.partSize,
    },
    ctx.signal,
  );
  return { uploadId, reused: new Map(), resumed: false };
}

/** True when the bound upload holds parts of the source as it is now, cut as planned now. */
function bindingFits(bound: UploadBinding, source: SourceObject, layout: PartLayout): boolean {
  return (
    bound.sourceEtag === source.etag &&
    bound.sourceSize === source.size &&
    (bound.sourceVersionId ?? undefined) === (source.versionId ?? undefined) &&
    bound.partSize === layout.partSize
  );
}

/**
 * The bound upload's parts (part number → ETag), or why it cannot be resumed: it is gone
 * (completed or aborted since), or it holds a part the layout does not have.
 */
async function reusableParts(
  job: CopyJob,
  uploadId: string,
  layout: PartLayout,
  ctx: CopyContext,
): Promise<Map<number, string> | "gone" | "misfit"> {
  const { deps, signal } = ctx;
  let parts: UploadedPart[];
  try {
    parts = await listAllParts(deps.destination, job.dstBucket, job.dstKey, uploadId, signal);
  } catch (err) {
    if (!awsErrorIs(err, "upload-gone")) throw err;
    deps.logger.info("bound upload no longer exists, starting a new one", {
      dstKey: job.dstKey,
      uploadId,
    });
    return "gone";
  }
  const etagIsMd5 = destinationEtagsAreMd5(deps.options);
  const misfit = parts.find((p) => !fitsLayout(p, layout, etagIsMd5));
  if (misfit !== undefined) {
    deps.logger.warn("bound upload holds a part that does not fit its layout, starting over", {
      dstKey: job.dstKey,
      uploadId,
      partNumber: misfit.partNumber,
      sizeBytes: misfit.size,
    });
    return "misfit";
  }
  return new Map(parts.map((p) => [p.partNumber, p.etag]));
}

/** Aborts the bound upload that cannot be resumed (gone already is fine). */
async function dropBound(
  job: CopyJob,
  bound: UploadBinding,
  why: "changed" | "misfit",
  ctx: CopyContext,
): Promise<void> {
  ctx.deps.logger.info("bound upload not reusable, aborted", {
    dstKey: job.dstKey,
    uploadId: bound.uploadId,
    reason:
      why === "misfit"
        ? "it holds a part that does not fit its layout"
        : "the source or the part size changed since it started",
  });
  await abortUpload(ctx.deps.destination, job.dstBucket, job.dstKey, bound.uploadId, ctx.signal);
}

/** `CleanUnfinishedUpload`: aborts every upload of the key except the one being resumed. */
async function abortUnbound(
  job: CopyJob,
  keep: string | undefined,
  ctx: CopyContext,
): Promise<void> {
  const { deps, signal } = ctx;
  const uploads = await listUploadsForKey(deps.destination, job.dstBucket, job.dstKey, signal);
  for (const u of uploads.filter((u) => u.uploadId !== keep)) {
    deps.logger.info("unfinished upload no binding names, aborted", {
      dstKey: job.dstKey,
      uploadId: u.uploadId,
    });
    await abortUpload(deps.destination, job.dstBucket, job.dstKey, u.uploadId, signal);
  }
}

async function createUpload(job: CopyJob, source: SourceObject, ctx: CopyContext): Promise<string> {
  const { deps, signal } = ctx;
  const created = await deps.destination.send(
    new CreateMultipartUploadCommand({
      Bucket: job.dstBucket,
      Key: job.dstKey,
      ...source.headers,
      ...destinationWriteFields(deps.options),
      Tagging: await sourceTagging(deps.source, job, source, deps.options.copyObjectTags, signal),
    }),
    { abortSignal: signal },
  );
  if (!created.UploadId) throw new Error("CreateMultipartUpload returned no UploadId");
  return created.UploadId;
}

function fitsLayout(part: UploadedPart, layout: PartLayout, etagIsMd5: boolean): boolean {
  const spec = layout.parts[part.partNumber - 1];
  return spec !== undefined && spec.size === part.size && (!etagIsMd5 || isMd5Etag(part.etag));
}
