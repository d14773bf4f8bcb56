import type { CopyJob, Logger } from "@s3-migration/common";
import { doneStillHolds } from "./duplicate-check.js";
import { busyDelaySec, duplicateDelaySec } from "./job-timing.js";
import { ObjectLease } from "./object-lease.js";
import type { RotatingTransfer } from "./rotating-transfer.js";
import type { JobOutcome } from "./settle-rules.js";
import type { StartResult, StatusStore } from "./status-store.js";

/** The message a job came in. */
export interface Delivery {
  readonly messageId: string;
  readonly receiveCount: number;
}

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
 * source and destination unchanged) or another attempt holds a live lease (`busy`, logged).
 * A busy object's message comes back when the lease ends if it is the holder's own message
 * (the holder stopped renewing: frozen or gone), so it is taken over at once; a duplicate
 * message comes back later and later, so it outlasts a copy of many hours without reaching
 * the DLQ (the holder's own message covers a holder that dies).
 */
export async function claimObject(
  job: CopyJob,
  attemptId: string,
  delivery: Delivery,
  deps: ClaimDeps,
  log: Logger,
): Promise<ObjectLease | JobOutcome> {
  const leaseMs = deps.visibilityTimeoutSec * 1000;
  let start: StartResult = await deps.status.start(job, attemptId, leaseMs);
  if (start.kind === "older-event") {
    log.info("event older than the copy already made, skipped", {
      sequencer: job.sequencer,
      copiedSequencer: start.sequencer,
    });
    return { kind: "done" };
  }
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
    if (start.kind === "older-event") return { kind: "done" };
  }
  if (start.kind === "started") {
    return new ObjectLease(deps.status, job, attemptId, leaseMs, start.recorded, log, start.item);
  }
  // A forced start never finds `done`; busy is all that is left.
  const leaseExpires = start.kind === "busy" ? start.leaseExpires : Date.now();
  const holder = start.kind === "busy" ? start.leaseOwner : "";
  const sameMessage = holder.startsWith(`${delivery.messageId}/`);
  const untilExpiry = busyDelaySec(leaseExpires, Date.now());
  const delaySec = sameMessage
    ? untilExpiry
    : Math.max(untilExpiry, duplicateDelaySec(delivery.receiveCount, deps.visibilityTimeoutSec));
  log.info("object being copied by another attempt, message returned for later", {
    leaseExpires: new Date(leaseExpires).toISOString(),
    delaySec,
    duplicate: !sameMessage,
  });
  return { kind: "busy", delaySec };
}
