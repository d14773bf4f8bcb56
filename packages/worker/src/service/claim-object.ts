import type { CopyJob, Logger } from "@s3-migration/common";
import { doneStillHolds } from "./duplicate-check.js";
import { busyDelaySec } from "./job-timing.js";
import { ObjectLease } from "./object-lease.js";
import type { RotatingTransfer } from "./rotating-transfer.js";
import type { JobOutcome } from "./settle-rules.js";
import type { StartResult, StatusStore } from "./status-store.js";

/** What claiming an object needs. */
export interface ClaimDeps {
  readonly status: StatusStore;
  /** The queue's visibility timeout: the lease runs as long. */
  readonly visibilityTimeoutSec: number;
  /** For the duplicate check's two HEADs. */
  readonly transfer: Pick<RotatingTransfer, "acquire">;
}

/**
 * Claims an object for one attempt: the start write takes the object's lease (as long as the
 * queue's visibility timeout) and returns the upload an earlier attempt bound. Returns the
 * outcome instead when the object needs no copy (`done`, and the duplicate check finds the
 * source and destination unchanged) or another attempt holds a live lease (`busy`, logged, to
 * come back when that lease ends).
 */
export async function claimObject(
  job: CopyJob,
  attemptId: string,
  deps: ClaimDeps,
  log: Logger,
): Promise<ObjectLease | JobOutcome> {
  const leaseMs = deps.visibilityTimeoutSec * 1000;
  let start: StartResult = await deps.status.start(job, attemptId, leaseMs);
  if (start.kind === "done") {
    const held = deps.transfer.acquire();
    try {
      if (await doneStillHolds(job, start.item, held.deps, log)) {
        log.info("object already copied", { dstEtag: start.item.dstEtag });
        return { kind: "done" };
      }
    } finally {
      held.release();
    }
    start = await deps.status.start(job, attemptId, leaseMs, true);
  }
  if (start.kind === "started") {
    return new ObjectLease(deps.status, job, attemptId, leaseMs, start.recorded, log);
  }
  // A forced start never finds `done`; busy is all that is left.
  const leaseExpires = start.kind === "busy" ? start.leaseExpires : Date.now();
  const delaySec = busyDelaySec(leaseExpires, Date.now());
  log.info("object being copied by another attempt, message returned for later", {
    leaseExpires: new Date(leaseExpires).toISOString(),
    delaySec,
  });
  return { kind: "busy", delaySec };
}
