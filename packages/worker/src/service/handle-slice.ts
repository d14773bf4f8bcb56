import { classifyAwsError, FatalError, type Logger, type SliceJob } from "@s3-migration/common";
import { logStopped } from "./heartbeat.js";
import type { JobOutcome } from "./settle-rules.js";
import { runSlice, type SliceEnd, type SliceRunDeps } from "./slice-runner.js";
import type { SplitCause } from "./split-object.js";
import { sliceFailedWrite } from "./split-writes.js";

/**
 * Times a slice may be handed back for want of a free connection: half the receives the queue
 * allows before its DLQ, less one, so that a slice handed back as often as allowed still has
 * as many receives left for real failures. Without a redrive policy, 10.
 */
export function handBackLimit(maxReceiveCount: number | undefined): number {
  return maxReceiveCount === undefined ? 10 : Math.floor((maxReceiveCount - 1) / 2);
}

/**
 * True when the slice should go back to the queue rather than wait here: this worker has no
 * connection free (its earlier slices and copies hold them all), so another worker, perhaps
 * idle, takes it. One receive can bring a worker as many slices as it has free connections,
 * while each slice carries several parts: without this, one worker would hold most of an
 * object's slices while the others had none.
 */
export function handsBack(
  freeConnections: number | undefined,
  receiveCount: number,
  maxReceiveCount: number | undefined,
): boolean {
  return freeConnections === 0 && receiveCount <= handBackLimit(maxReceiveCount);
}

/** The object's own job, run as a slice asks (complete, restart, or check a vanished upload). */
export type RunObjectJob = (expectUpload: string, cause: SplitCause) => Promise<JobOutcome>;

/**
 * One slice message: handed back at once when this worker has no connection free (see
 * {@link handsBack}); else copies the slice, then, when it was the object's last slice, when the
 * source changed under it, or when its upload vanished, runs the object's job (claim, then
 * complete, or re-split once, or find the copy completed) as long as the item still binds the
 * slice's upload. A slice of an upload that is no longer bound is dropped (deleted). A failure
 * is recorded on the object's item (`failed`, with the slice's error) and settles like any
 * job's: retryable comes back with a backoff and ends in the DLQ after the queue's
 * receive count; an object error is deleted.
 */
export async function handleSlice(
  slice: SliceJob,
  stop: AbortSignal,
  deps: SliceRunDeps & { readonly maxReceiveCount?: number | undefined },
  delivery: { readonly receiveCount: number },
  runObject: RunObjectJob,
  log: Logger,
): Promise<JobOutcome> {
  const sliceLog = log.child({
    srcBucket: slice.job.srcBucket,
    srcKey: slice.job.srcKey,
    slice: slice.slice,
    slices: slice.slices,
  });
  const held = deps.transfer.acquire();
  const free = held.deps.connections?.free;
  held.release();
  if (handsBack(free, delivery.receiveCount, deps.maxReceiveCount)) {
    sliceLog.debug("slice handed back: no connection free here", {
      receiveCount: delivery.receiveCount,
    });
    return { kind: "released" };
  }
  let end: SliceEnd;
  try {
    end = await runSlice(slice, stop, deps, sliceLog);
  } catch (err) {
    if (stop.aborted) {
      logStopped(stop.reason, sliceLog);
      return { kind: "released" };
    }
    return recordSliceFailure(slice, err, deps, sliceLog);
  }
  switch (end.kind) {
    case "stale":
      sliceLog.info("slice dropped: its upload is no longer the object's", {
        uploadId: slice.uploadId,
      });
      return { kind: "done" };
    case "copied":
      return end.complete ? runObject(slice.uploadId, {}) : { kind: "done" };
    case "source-changed":
      sliceLog.warn("source changed while its slices were copied; the split starts over", {
        uploadId: slice.uploadId,
      });
      return runObject(slice.uploadId, {});
    case "upload-gone":
      return runObject(slice.uploadId, { uploadGone: true });
  }
}

/** The slice's failure on the object's item; a fatal error is rethrown after it. */
async function recordSliceFailure(
  slice: SliceJob,
  err: unknown,
  deps: SliceRunDeps,
  log: Logger,
): Promise<JobOutcome> {
  const cls = classifyAwsError(err);
  const text = `slice ${slice.slice}/${slice.slices}: ${err instanceof Error ? err.message : String(err)}`;
  const errorClass = cls === "object" ? "object" : "retryable";
  const write = sliceFailedWrite(slice.uploadId, slice.slice, errorClass, text, Date.now());
  await deps.status.update(slice.job, write);
  if (cls === "fatal") throw err instanceof FatalError ? err : new FatalError(text, { cause: err });
  if (cls === "object") {
    deps.metrics.add("ObjectsFailed");
    log.error("slice failed", { error: err });
    return { kind: "object-failed" };
  }
  deps.metrics.add("RetryableErrors");
  log.warn("slice failed, will be retried", { error: err });
  return { kind: "retry" };
}
