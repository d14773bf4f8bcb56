import { HeadObjectCommand } from "@aws-sdk/client-s3";
import {
  type CopyJob,
  formatSliceMessage,
  type Logger,
  MessageSender,
  ObjectError,
  type SliceJob,
} from "@s3-migration/common";
import { requestedVersionOf } from "../engine/copy-object.js";
import { unquote } from "../engine/hashing/checksums.js";
import { completeVerified } from "../engine/multipart/complete-upload.js";
import { chooseLayout } from "../engine/multipart/copy-multipart.js";
import { type OpenedUpload, openUpload } from "../engine/multipart/open-upload.js";
import type { PartLayout } from "../engine/multipart/part-layout.js";
import { planSlices, type SlicePlan, slicesByPresence } from "../engine/multipart/slice-plan.js";
import type { CopyContext, CopyResult } from "../engine/transfer/copy-types.js";
import { headSource, pinSource, type SourceObject } from "../engine/transfer/source-object.js";
import { LeaseLostError } from "../engine/transfer/upload-ledger.js";
import type { SqsSend } from "./heartbeat.js";
import type { ObjectLease } from "./object-lease.js";
import { type SplitState, splitStateOf, splitWrite } from "./split-writes.js";
import type { StatusStore } from "./status-store.js";

/** Where slices go and how objects are cut (`SplitThreshold`, `SplitSliceSize`). */
export interface SplitSettings {
  /** Objects larger than this are split; 0 = never. */
  readonly thresholdBytes: number;
  readonly sliceSizeBytes: number;
  readonly sqs: SqsSend;
  readonly queueUrl: string;
  /** Times an object's split starts over because its source changed. @default 3 */
  readonly maxRestarts?: number | undefined;
}

/** Why the object's job runs: a fresh job, or a slice that found the whole object's turn. */
export interface SplitCause {
  /** A slice found its upload gone: the upload may have been completed by a worker that died. */
  readonly uploadGone?: boolean | undefined;
}

/** True when the object is to be split rather than copied by one worker. */
export function shouldSplit(
  job: CopyJob,
  split: SplitSettings | undefined,
): split is SplitSettings {
  return split !== undefined && split.thresholdBytes > 0 && job.size > split.thresholdBytes;
}

/**
 * Splits a giant object held under `lease`: opens or resumes its upload through the ledger
 * (layout and slice cut fixed for the upload's lifetime), lists the parts already there, and,
 * when parts are missing, records the split on the status item, giving the lease up in the same
 * write, then sends one slice message per slice with a missing part. When no part is missing
 * (the last slice's worker came to complete, or a resumed upload is whole) it completes,
 * verifies and records `done` like any multipart copy. Returns the copy's result, or
 * `undefined` after a split.
 */
export async function splitObject(
  job: CopyJob,
  lease: ObjectLease,
  ctx: CopyContext,
  split: SplitSettings,
  status: StatusStore,
  attemptId: string,
  cause: SplitCause,
  log: Logger,
): Promise<CopyResult | undefined> {
  const started = Date.now();
  const { deps, signal } = ctx;
  const source = await headSourceOf(job, ctx);
  const layout = await chooseLayout(job, source, ctx);
  const recorded = splitStateOf(lease.held?.item);
  if (cause.uploadGone && recorded !== undefined) {
    const completed = await completedEarlier(job, source, layout, recorded, ctx);
    if (completed !== undefined) {
      return { ...completed, slices: recorded.slices, durationMs: Date.now() - started };
    }
  }
  const upload = await openUpload(job, source, layout, ctx);
  const sameUpload = recorded?.uploadId === upload.uploadId;
  const restart = recorded !== undefined && !sameUpload;
  if (restart) checkRestarts(lease, split.maxRestarts ?? deps.options.maxSourceRestarts);
  const plan = planSlices(
    layout.parts.length,
    layout.partSize,
    split.sliceSizeBytes,
    sameUpload ? recorded.sliceParts : undefined,
  );
  const { complete, missing } = slicesByPresence(plan, upload.reused);
  if (missing.length === 0) {
    return {
      ...(await completeWhole(job, source, layout, upload, plan, started, ctx)),
      slices: plan.slices,
    };
  }
  lease.end();
  const record = { uploadId: upload.uploadId, ...plan, slicesDone: complete, restart };
  if ((await status.update(job, splitWrite(attemptId, record), signal)) === undefined) {
    throw new LeaseLostError(`another attempt holds ${job.srcBucket}/${job.srcKey} now`);
  }
  await sendSlices(job, source, layout, upload.uploadId, plan, missing, split);
  log.info("object split", {
    uploadId: upload.uploadId,
    slices: plan.slices,
    slicesSent: missing.length,
    partsReused: upload.reused.size,
    restart,
  });
  return undefined;
}

/** Throws an ObjectError once the split has started over `max` times (the source keeps changing). */
function checkRestarts(lease: ObjectLease, max: number): void {
  const restarts = Number(lease.held?.item.splitRestarts?.N ?? 0);
  if (restarts >= max) {
    throw new ObjectError(
      `source changed ${restarts + 1} times while its slices were copied; giving up`,
    );
  }
}

async function headSourceOf(job: CopyJob, ctx: CopyContext): Promise<SourceObject> {
  return headSource(ctx.deps.source, job, requestedVersionOf(job, ctx.deps.options), ctx.signal);
}

/** Completes an upload that holds every part, as any multipart copy does. */
async function completeWhole(
  job: CopyJob,
  source: SourceObject,
  layout: PartLayout,
  upload: OpenedUpload,
  plan: SlicePlan,
  started: number,
  ctx: CopyContext,
): Promise<CopyResult> {
  const target = {
    job,
    uploadId: upload.uploadId,
    pin: pinSource(source, ctx.deps.options.getObjectWithVersionId),
    partSize: layout.partSize,
  };
  const { etag, resent } = await completeVerified(
    target,
    layout,
    source,
    new Map(),
    upload.reused,
    ctx,
  );
  return resultOf(source, layout, upload.uploadId, etag, plan.partsTotal - resent.length, started);
}

/**
 * The copy a worker completed before it died (the upload is gone, every slice was done): the
 * destination has the source's size and one part per part of the layout (and, for a mirrored
 * layout, the source's own ETag). Every part was MD5-checked when it was sent.
 */
async function completedEarlier(
  job: CopyJob,
  source: SourceObject,
  layout: PartLayout,
  recorded: SplitState,
  ctx: CopyContext,
): Promise<CopyResult | undefined> {
  if (recorded.slicesDone.size < recorded.slices) return undefined;
  const head = await ctx.deps.destination.send(
    new HeadObjectCommand({ Bucket: job.dstBucket, Key: job.dstKey }),
    { abortSignal: ctx.signal },
  );
  const etag = unquote(head.ETag);
  const fits =
    head.ContentLength === source.size &&
    etag.endsWith(`-${layout.parts.length}`) &&
    (layout.origin !== "mirror" || etag === source.etag);
  if (!fits) return undefined;
  return resultOf(source, layout, recorded.uploadId, etag, layout.parts.length, Date.now());
}

function resultOf(
  source: SourceObject,
  layout: PartLayout,
  uploadId: string,
  etag: string,
  partsReused: number,
  started: number,
): CopyResult {
  const parts = layout.parts.length;
  return {
    method: "multipart",
    bytes: source.size,
    bytesUploaded: 0,
    parts,
    partsReused: Math.max(0, partsReused),
    partsUploaded: parts - Math.max(0, partsReused),
    checksum: layout.origin === "mirror" && etag === source.etag ? "mirror-etag" : "worker-md5",
    etag,
    sourceEtag: source.etag,
    versionId: source.versionId,
    uploadId,
    restarts: 0,
    durationMs: Date.now() - started,
  };
}

/** One slice message per slice in `slices`, 10 per SendMessageBatch. */
async function sendSlices(
  job: CopyJob,
  source: SourceObject,
  layout: PartLayout,
  uploadId: string,
  plan: SlicePlan,
  slices: readonly number[],
  split: SplitSettings,
): Promise<void> {
  const sender = new MessageSender(split.sqs, split.queueUrl);
  for (const n of slices) {
    const slice: SliceJob = {
      job: { ...job, size: source.size },
      uploadId,
      slice: n,
      slices: plan.slices,
      partSize: layout.partSize,
      sliceParts: plan.sliceParts,
      sourceEtag: source.etag,
      sourceVersionId: source.versionId,
      mirror: layout.origin === "mirror",
    };
    await sender.add(formatSliceMessage(slice));
  }
  await sender.flush();
}
