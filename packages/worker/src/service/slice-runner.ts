import { awsErrorIs, type Logger, type SliceJob } from "@s3-migration/common";
import { copySliceParts } from "../engine/multipart/copy-slice.js";
import { SourceChangedError } from "../engine/transfer/retry.js";
import { jobSignal } from "./job-timing.js";
import type { RotatingTransfer } from "./rotating-transfer.js";
import { sliceDoneWrite, sliceRecoveredWrite, splitStateOf } from "./split-writes.js";
import type { StatusStore } from "./status-store.js";
import type { ThroughputMetrics } from "./throughput-metrics.js";

/** What copying a slice needs from the processor. */
export interface SliceRunDeps {
  readonly status: StatusStore;
  readonly transfer: Pick<RotatingTransfer, "acquire">;
  readonly jobTimeoutSec: number;
  readonly metrics: ThroughputMetrics;
}

/** How a slice ended, short of a failure (thrown). */
export type SliceEnd =
  /** Its parts are in the upload and recorded; `complete` when it was the object's last slice. */
  | { readonly kind: "copied"; readonly complete: boolean }
  /** The item no longer binds the slice's upload, or the object is done: nothing to do. */
  | { readonly kind: "stale" }
  /** A pinned read failed: the source was overwritten; the object must start over. */
  | { readonly kind: "source-changed" }
  /** The upload is gone: completed (perhaps by a worker that died before recording it) or aborted. */
  | { readonly kind: "upload-gone" };

/**
 * Copies one slice (see {@link copySliceParts}) under the stop signal and JobTimeout, then adds
 * its number to the object's set of slices done, only while the object's item still binds the
 * slice's upload (an idempotent update: a duplicate delivery adds nothing). A slice whose
 * failure the item shows clears it. Failures other than a source change or a vanished upload
 * are thrown, for the processor to record.
 */
export async function runSlice(
  slice: SliceJob,
  stop: AbortSignal,
  deps: SliceRunDeps,
  log: Logger,
): Promise<SliceEnd> {
  const timed = jobSignal(stop, deps.jobTimeoutSec);
  const held = deps.transfer.acquire();
  const { job, uploadId } = slice;
  try {
    let copied: Awaited<ReturnType<typeof copySliceParts>>;
    try {
      copied = await copySliceParts(slice, {
        deps: held.deps,
        signal: timed.signal,
        onProgress: (p) => deps.metrics.add("BytesCopied", p.bytes),
        onRetry: (err, attempt) => log.warn("request retried", { attempt, error: err }),
      });
    } catch (err) {
      if (err instanceof SourceChangedError) return { kind: "source-changed" };
      if (awsErrorIs(err, "upload-gone") && !timed.signal.aborted) return { kind: "upload-gone" };
      throw err;
    }
    const item = await deps.status.update(job, sliceDoneWrite(uploadId, slice.slice));
    if (item === undefined) return { kind: "stale" };
    const state = splitStateOf(item);
    if (state?.failedSlice === slice.slice) {
      await deps.status.update(job, sliceRecoveredWrite(uploadId, slice.slice));
    }
    const done = state?.slicesDone.size ?? 0;
    log.info("slice copied", {
      uploadId,
      slice: slice.slice,
      slices: slice.slices,
      slicesDone: done,
      partsCopied: copied.partsCopied,
      partsReused: copied.partsReused,
      bytesMoved: copied.bytesCopied,
    });
    return { kind: "copied", complete: state !== undefined && done >= state.slices };
  } finally {
    timed.dispose();
    held.release();
  }
}
