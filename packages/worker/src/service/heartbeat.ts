import { ChangeMessageVisibilityCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Logger } from "@s3-migration/common";

/** The narrow SQS surface of the worker. */
export type SqsSend = Pick<SQSClient, "send">;

/**
 * SQS keeps a received message invisible at most 12 hours from that receive: a
 * ChangeMessageVisibility past it is rejected, and the message returns to the queue.
 */
export const MAX_VISIBILITY_SEC = 43_200;

/**
 * Why a message's copies were stopped: its visibility could not be extended by another full
 * timeout within SQS's 12 hours from the receive. The abort reason of the jobs' stop signal.
 */
export class VisibilityLimitReached extends Error {
  override readonly name = "VisibilityLimitReached";

  constructor(
    /** Seconds since the message was received, at the beat that could not extend it. */
    readonly messageAgeSec: number,
    /** The queue's visibility timeout: the extension that no longer fitted. */
    readonly visibilityTimeoutSec: number,
  ) {
    super(
      `message received ${messageAgeSec} s ago cannot be kept invisible ${visibilityTimeoutSec} s more (SQS allows ${MAX_VISIBILITY_SEC} s from a receive)`,
    );
  }
}

/** Options of {@link startHeartbeat}. */
export interface HeartbeatOptions {
  readonly sqs: SqsSend;
  readonly queueUrl: string;
  readonly receiptHandle: string;
  /** The queue's visibility timeout: each beat sets the message's visibility to it again. */
  readonly visibilityTimeoutSec: number;
  /** When the message was received (epoch ms): SQS's 12 hours count from then. */
  readonly receivedAt: number;
  readonly logger: Logger;
  /** Called at every beat that extends (renews the running object's lease). @default no-op */
  readonly beat?: () => void;
  /**
   * Called once, instead of extending, at the first beat where the message's age plus one more
   * visibility timeout would pass {@link MAX_VISIBILITY_SEC}; the heartbeat stops. The message
   * is still invisible for at least two thirds of a timeout then (the previous beat's extension):
   * time to stop the copy and release the message before SQS hands it to another worker.
   */
  readonly onLimit: (reason: VisibilityLimitReached) => void;
}

/**
 * Keeps a message invisible while its copy runs: every third of the queue's visibility timeout
 * it sets the visibility to a full timeout again, so a 40 GB copy is never handed to a second
 * worker, and calls `beat` (which renews the running object's lease in the status table). A
 * receive lasts at most 12 hours in SQS: when the next extension would pass that, it calls
 * `onLimit` rather than send one SQS would reject. Returns the function that stops it (call it
 * in `finally`).
 */
export function startHeartbeat(o: HeartbeatOptions): () => void {
  const everyMs = Math.max(1, Math.floor(o.visibilityTimeoutSec / 3)) * 1000;
  const timer = setInterval(() => {
    const ageSec = Math.ceil((Date.now() - o.receivedAt) / 1000);
    if (ageSec + o.visibilityTimeoutSec > MAX_VISIBILITY_SEC) {
      clearInterval(timer);
      o.onLimit(new VisibilityLimitReached(ageSec, o.visibilityTimeoutSec));
      return;
    }
    o.beat?.();
    o.sqs
      .send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: o.queueUrl,
          ReceiptHandle: o.receiptHandle,
          VisibilityTimeout: o.visibilityTimeoutSec,
        }),
      )
      .catch((err: unknown) => o.logger.warn("visibility heartbeat failed", { error: err }));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Starts the heartbeat of one message and returns the signal its jobs run under: aborted on
 * `shutdown`, or with a {@link VisibilityLimitReached} once the message's 12 hours in SQS leave
 * no room for another extension. `end` stops the heartbeat.
 */
export function keepInvisible(
  options: Omit<HeartbeatOptions, "onLimit">,
  shutdown: AbortSignal,
): { stop: AbortSignal; end: () => void } {
  const limit = new AbortController();
  const end = startHeartbeat({ ...options, onLimit: (reason) => limit.abort(reason) });
  return { stop: AbortSignal.any([shutdown, limit.signal]), end };
}

/** The line of a copy stopped by `reason`: shutdown (info), or SQS's 12 hours (warn). */
export function logStopped(reason: unknown, log: Logger): void {
  if (!(reason instanceof VisibilityLimitReached)) {
    log.info("copy interrupted by shutdown, message released", {});
    return;
  }
  log.warn(
    "copy stopped: SQS keeps a message at most 12 hours per receive; upload kept, message released to resume",
    { messageAgeSec: reason.messageAgeSec, visibilityTimeoutSec: reason.visibilityTimeoutSec },
  );
}

/** Makes a message visible again after `seconds` (0: at once, for another worker). */
export async function setVisibility(
  sqs: SqsSend,
  queueUrl: string,
  receiptHandle: string,
  seconds: number,
): Promise<void> {
  await sqs.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl,
      ReceiptHandle: receiptHandle,
      VisibilityTimeout: seconds,
    }),
  );
}
