import type { CopyJob, Logger } from "@s3-migration/common";
import { copyObject } from "../engine/copy-object.js";
import type { CopyResult } from "../engine/transfer/copy-types.js";
import { jobSignal } from "./job-timing.js";
import type { ObjectLease } from "./object-lease.js";
import type { RotatingTransfer } from "./rotating-transfer.js";
import { type SplitCause, type SplitSettings, shouldSplit, splitObject } from "./split-object.js";
import type { StatusStore } from "./status-store.js";
import type { ThroughputMetrics } from "./throughput-metrics.js";

/** What one copy needs from the processor. */
export interface CopyDeps {
  readonly status: StatusStore;
  readonly transfer: Pick<RotatingTransfer, "acquire">;
  readonly jobTimeoutSec: number;
  readonly metrics: ThroughputMetrics;
  readonly split?: SplitSettings | undefined;
}

/**
 * One copy under the stop signal (shutdown, or the receive's 12 hours), JobTimeout and the
 * object's lease (the engine's ledger); records and logs its success. A giant object is split
 * instead (`split/split-object.ts`): its slices go to the queue, and the copy is recorded when
 * the last one is in. Failures are thrown for the processor to classify.
 */
export async function copyAndRecord(
  job: CopyJob,
  attemptId: string,
  lease: ObjectLease,
  stop: AbortSignal,
  deps: CopyDeps,
  log: Logger,
  cause: SplitCause = {},
): Promise<void> {
  const timed = jobSignal(stop, deps.jobTimeoutSec);
  const held = deps.transfer.acquire();
  try {
    const call = {
      signal: AbortSignal.any([timed.signal, lease.signal]),
      onProgress: (p: { bytes: number }) => deps.metrics.add("BytesCopied", p.bytes),
      onParts: lease.onParts,
      ledger: lease.ledger(),
    };
    let result: CopyResult | undefined;
    if (shouldSplit(job, deps.split)) {
      const ctx = { ...call, deps: held.deps };
      result = await splitObject(job, lease, ctx, deps.split, deps.status, attemptId, cause, log);
      if (result === undefined) return;
    } else {
      result = await copyObject(job, held.deps, call);
    }
    lease.end();
    await deps.status.done(job, attemptId, result, lease.held);
    deps.metrics.add("ObjectsCopied");
    log.info("object copied", {
      bytesMoved: result.bytesUploaded,
      partsReused: result.partsReused,
      parts: result.parts,
      checksum: result.checksum,
      durationMs: result.durationMs,
      restarts: result.restarts,
      ...(result.slices === undefined ? {} : { slices: result.slices }),
    });
  } finally {
    timed.dispose();
    held.release();
  }
}
