import type { CopyJob, Logger } from "@s3-migration/common";
import { copyObject } from "../engine/copy-object.js";
import { jobSignal } from "./job-timing.js";
import type { ObjectLease } from "./object-lease.js";
import type { RotatingTransfer } from "./rotating-transfer.js";
import type { StatusStore } from "./status-store.js";
import type { ThroughputMetrics } from "./throughput-metrics.js";

/** What one copy needs from the processor. */
export interface CopyDeps {
  readonly status: StatusStore;
  readonly transfer: Pick<RotatingTransfer, "acquire">;
  readonly jobTimeoutSec: number;
  readonly metrics: ThroughputMetrics;
}

/**
 * One copy under the stop signal (shutdown, or the receive's 12 hours), JobTimeout and the
 * object's lease (the engine's ledger); records and logs its success. Failures are thrown for
 * the processor to classify.
 */
export async function copyAndRecord(
  job: CopyJob,
  attemptId: string,
  lease: ObjectLease,
  stop: AbortSignal,
  deps: CopyDeps,
  log: Logger,
): Promise<void> {
  const timed = jobSignal(stop, deps.jobTimeoutSec);
  const held = deps.transfer.acquire();
  try {
    const result = await copyObject(job, held.deps, {
      signal: AbortSignal.any([timed.signal, lease.signal]),
      onProgress: (p) => deps.metrics.add("BytesCopied", p.bytes),
      onParts: lease.onParts,
      ledger: lease.ledger(),
    });
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
    });
  } finally {
    timed.dispose();
    held.release();
  }
}
