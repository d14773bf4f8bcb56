/*
 * A message's life in the queue while a worker has it: kept invisible by a heartbeat while its
 * work runs, then deleted, delayed or released as the settle rules say.
 */
import { DeleteMessageCommand, type Message } from "@aws-sdk/client-sqs";
import type { Logger } from "@s3-migration/common";
import { keepInvisible, type SqsSend, setVisibility } from "./heartbeat.js";
import { receiveCount, retryDelaySec } from "./job-timing.js";
import type { ObjectLease } from "./object-lease.js";
import { type JobOutcome, settlement } from "./settle-rules.js";
import type { SqsBatcher } from "./sqs-batcher.js";

/** The lease of the object a message is copying now (renewed by its heartbeat). */
export interface CurrentLease {
  lease: ObjectLease | undefined;
}

/** Where a message is settled: batched ({@link SqsBatcher}), or one call per message. */
export interface SettleTarget {
  readonly sqs: SqsSend;
  readonly queueUrl: string;
  readonly settle?: Pick<SqsBatcher, "delete" | "changeVisibility"> | undefined;
}

/** Deletes the message, changes its visibility, or leaves it, as `settlement` says. */
export async function settleMessage(
  to: SettleTarget,
  message: Message,
  outcomes: readonly JobOutcome[],
): Promise<void> {
  const settle = settlement(outcomes, retryDelaySec(receiveCount(message)));
  if (settle.kind === "delete") await deleteMessage(to, message);
  if (settle.kind === "visibility") {
    await changeVisibility(to, message.ReceiptHandle ?? "", settle.seconds);
  }
}

/** Makes the message visible again after `seconds` (0: at once). */
export async function changeVisibility(
  to: SettleTarget,
  receipt: string,
  seconds: number,
): Promise<void> {
  if (to.settle) await to.settle.changeVisibility(receipt, seconds);
  else await setVisibility(to.sqs, to.queueUrl, receipt, seconds);
}

export async function deleteMessage(to: SettleTarget, message: Message): Promise<void> {
  if (to.settle) return to.settle.delete(message.ReceiptHandle ?? "");
  await to.sqs.send(
    new DeleteMessageCommand({ QueueUrl: to.queueUrl, ReceiptHandle: message.ReceiptHandle ?? "" }),
  );
}

/**
 * Runs the message's work (its jobs one after another, or its slice) under a heartbeat; a
 * fatal error releases the message. The work stops, as on shutdown, when the heartbeat cannot
 * extend the message's visibility within SQS's 12 hours from this receive (the message is
 * then released for a fresh receive).
 */
export async function underHeartbeat(
  d: SettleTarget & { readonly visibilityTimeoutSec: number },
  message: Message,
  shutdown: AbortSignal,
  log: Logger,
  work: (stop: AbortSignal, current: CurrentLease) => Promise<JobOutcome[]>,
): Promise<JobOutcome[]> {
  const receipt = message.ReceiptHandle ?? "";
  const current: CurrentLease = { lease: undefined };
  const { stop, end: stopHeartbeat } = keepInvisible(
    {
      sqs: d.sqs,
      queueUrl: d.queueUrl,
      receiptHandle: receipt,
      visibilityTimeoutSec: d.visibilityTimeoutSec,
      // The poll loop hands a message over as soon as ReceiveMessage returns it.
      receivedAt: Date.now(),
      logger: log,
      beat: () => void current.lease?.renew(),
    },
    shutdown,
  );
  try {
    return await work(stop, current);
  } catch (err) {
    stopHeartbeat();
    await changeVisibility(d, receipt, 0).catch((releaseErr: unknown) =>
      log.warn("message release failed", { error: releaseErr }),
    );
    throw err;
  } finally {
    stopHeartbeat();
  }
}
