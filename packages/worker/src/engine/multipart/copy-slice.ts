import { type SliceJob, sliceParts } from "@s3-migration/common";
import { isMd5Etag } from "../hashing/checksums.js";
import type { CopyContext } from "../transfer/copy-types.js";
import { pinSource } from "../transfer/source-object.js";
import { destinationEtagsAreMd5 } from "../transfer/transfer-options.js";
import { listPartRange } from "./destination-uploads.js";
import { layoutWithPartSize } from "./part-layout.js";
import { type PartTarget, uploadParts } from "./upload-parts.js";

/** What copying one slice took. */
export interface SliceCopied {
  /** Parts of the slice sent now. */
  readonly partsCopied: number;
  /** Parts of the slice found in the upload already (an earlier or duplicate delivery). */
  readonly partsReused: number;
  readonly bytesCopied: number;
}

/**
 * Copies the parts of one slice that its upload does not hold yet: one ranged ListParts, then
 * each missing part as in any multipart copy (a ranged GET pinned to the source version the
 * upload was started from, MD5 checked, on the worker's connections, within its memory
 * budget). Throws `SourceChangedError` when the pinned read fails (the source was overwritten)
 * and the SDK's NoSuchUpload when the upload is gone (completed, or aborted by a restart).
 */
export async function copySliceParts(slice: SliceJob, ctx: CopyContext): Promise<SliceCopied> {
  const { job } = slice;
  const { deps, signal } = ctx;
  const { first, last } = sliceParts(slice);
  const specs = layoutWithPartSize(job.size, slice.partSize).slice(first - 1, last);
  // Until the parts are queued, the poll loop must count them (see ConnectionPool.reserve).
  const unreserve = deps.connections?.reserve(specs.length);
  let listed: Awaited<ReturnType<typeof listPartRange>>;
  try {
    listed = await listPartRange(
      deps.destination,
      { bucket: job.dstBucket, key: job.dstKey, uploadId: slice.uploadId },
      first,
      last,
      signal,
    );
  } finally {
    unreserve?.();
  }
  const md5 = destinationEtagsAreMd5(deps.options);
  const present = new Set(
    listed
      .filter((p) => p.size === specs[p.partNumber - first]?.size && (!md5 || isMd5Etag(p.etag)))
      .map((p) => p.partNumber),
  );
  const missing = specs.filter((spec) => !present.has(spec.partNumber));
  const target: PartTarget = {
    job,
    uploadId: slice.uploadId,
    pin: pinSource(
      { etag: slice.sourceEtag, versionId: slice.sourceVersionId },
      deps.options.getObjectWithVersionId,
    ),
    partSize: slice.partSize,
  };
  const sent = await uploadParts(target, missing, ctx);
  return {
    partsCopied: sent.size,
    partsReused: specs.length - missing.length,
    bytesCopied: missing.reduce((sum, spec) => sum + spec.size, 0),
  };
}
