import { CreateMultipartUploadCommand } from "@aws-sdk/client-s3";
import type { CopyJob } from "@s3-migration/common";
import { isMd5Etag } from "../hashing/checksums.js";
import type { CopyContext } from "../transfer/copy-types.js";
import type { SourceObject } from "../transfer/source-object.js";
import { sourceTagging } from "../transfer/source-tagging.js";
import { destinationEtagsAreMd5, destinationWriteFields } from "../transfer/transfer-options.js";
import {
  abortUpload,
  listAllParts,
  listUploadsForKey,
  type UnfinishedUpload,
  type UploadedPart,
} from "./destination-uploads.js";
import type { PartLayout } from "./part-layout.js";

/**
 * How much later than the source's Last-Modified an upload must have been started to be
 * trusted: Last-Modified has whole-second resolution, plus one second for clock skew between
 * the two partitions' S3.
 */
const UPLOAD_AFTER_SOURCE_MS = 2_000;

/** The upload a copy writes into, and the parts it already holds that fit the layout. */
export interface OpenedUpload {
  readonly uploadId: string;
  /** Part number → ETag of parts kept from an earlier attempt. */
  readonly reused: ReadonlyMap<number, string>;
  readonly resumed: boolean;
}

/**
 * Finds this key's unfinished upload at the destination and decides whether its parts can be
 * kept; otherwise starts a new upload. The destination S3 is the only source of truth: no
 * local state is read.
 *
 * An upload is resumed only when (1) it is the newest for the key, (2) it was started after
 * the current source version was written (so every part in it was read, pinned, from this
 * version), and (3) every part in it has the number, size and ETag form the layout needs now.
 * A stale upload or one cut differently (ChunkSize changed) is aborted and the copy starts
 * over. Older duplicates are aborted when `CleanUnfinishedUpload` is set.
 */
export async function openUpload(
  job: CopyJob,
  source: SourceObject,
  layout: PartLayout,
  allowResume: boolean,
  ctx: CopyContext,
): Promise<OpenedUpload> {
  const { deps, signal } = ctx;
  const dst = deps.destination;
  const uploads = await listUploadsForKey(dst, job.dstBucket, job.dstKey, signal);
  const [newest, ...older] = uploads;
  if (deps.options.cleanUnfinishedUpload) {
    for (const u of older) {
      deps.logger.info("older unfinished upload aborted", {
        dstKey: job.dstKey,
        uploadId: u.uploadId,
      });
      await abortUpload(dst, job.dstBucket, job.dstKey, u.uploadId, signal);
    }
  }
  if (newest !== undefined && allowResume) {
    const why = await resumeProblem(newest, source, layout, ctx, job);
    if (typeof why !== "string") {
      return { uploadId: newest.uploadId, reused: why, resumed: true };
    }
    deps.logger.info("unfinished upload not reusable, starting over", {
      dstKey: job.dstKey,
      uploadId: newest.uploadId,
      reason: why,
    });
    // Known limit (issue "Resume that never depends on clocks"): an upload a duplicate delivery
    // is writing right now is aborted too, and that copy then fails with NoSuchUpload and retries.
    await abortUpload(dst, job.dstBucket, job.dstKey, newest.uploadId, signal);
  }
  const created = await dst.send(
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
  return { uploadId: created.UploadId, reused: new Map(), resumed: false };
}

/** Why the upload cannot be resumed, or its reusable parts. */
async function resumeProblem(
  upload: UnfinishedUpload,
  source: SourceObject,
  layout: PartLayout,
  ctx: CopyContext,
  job: CopyJob,
): Promise<string | Map<number, string>> {
  const written = source.lastModified?.getTime();
  const started = upload.initiated?.getTime();
  if (
    written === undefined ||
    started === undefined ||
    written + UPLOAD_AFTER_SOURCE_MS > started
  ) {
    return "the upload is not newer than the source's current version";
  }
  const parts = await listAllParts(
    ctx.deps.destination,
    job.dstBucket,
    job.dstKey,
    upload.uploadId,
    ctx.signal,
  );
  const mismatch = parts.find(
    (p) => !fitsLayout(p, layout, destinationEtagsAreMd5(ctx.deps.options)),
  );
  if (mismatch !== undefined) {
    return `part ${mismatch.partNumber} (${mismatch.size} bytes) does not fit the layout of ${layout.partSize}-byte parts`;
  }
  return new Map(parts.map((p) => [p.partNumber, p.etag]));
}

function fitsLayout(part: UploadedPart, layout: PartLayout, etagIsMd5: boolean): boolean {
  const spec = layout.parts[part.partNumber - 1];
  return spec !== undefined && spec.size === part.size && (!etagIsMd5 || isMd5Etag(part.etag));
}
