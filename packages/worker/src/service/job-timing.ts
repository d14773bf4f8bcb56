import type { Message } from "@aws-sdk/client-sqs";
import { MAX_VISIBILITY_SEC } from "./heartbeat.js";

/**
 * The signal of one copy: aborted on shutdown, or after `timeoutSec` (JobTimeout; 0 = none)
 * with a `TimeoutError`, as `AbortSignal.timeout` would, but on a plain timer that is cleared
 * when the copy ends (and that tests can drive with fake timers).
 */
export function jobSignal(
  shutdown: AbortSignal,
  timeoutSec: number,
): { signal: AbortSignal; dispose: () => void } {
  if (timeoutSec <= 0) return { signal: shutdown, dispose: () => undefined };
  const timeout = new AbortController();
  const timer = setTimeout(() => {
    timeout.abort(new DOMException(`job ran longer than ${timeoutSec} s`, "TimeoutError"));
  }, timeoutSec * 1000);
  timer.unref();
  return {
    signal: AbortSignal.any([shutdown, timeout.signal]),
    dispose: () => clearTimeout(timer),
  };
}

/** How often SQS has handed this message out (1 on its first delivery). */
export function receiveCount(message: Message): number {
  return Number(message.Attributes?.ApproximateReceiveCount ?? "1");
}

/** Backoff before a failed message comes back: 10 s, 20 s, 40 s … at most 15 minutes. */
export function retryDelaySec(receiveCount: number): number {
  return Math.min(900, 10 * 2 ** Math.max(0, receiveCount - 1));
}

/**
 * How long a message waits when another attempt holds its object's lease until `leaseExpires`
 * (epoch ms): until then plus 5 s (at least 5 s, at most SQS's 12 hours), so it comes back
 * when the other attempt has finished (the item is `done`) or its lease can be taken over.
 */
export function busyDelaySec(leaseExpires: number, now: number): number {
  const remaining = Math.ceil((leaseExpires - now) / 1000);
  return Math.min(MAX_VISIBILITY_SEC, Math.max(5, remaining + 5));
}

/**
 * How long a duplicate message waits while another message's attempt copies its object: one
 * visibility timeout, doubling with every receive, at most SQS's 12 hours. The stack's queue
 * (5-minute timeout) moves a message to the DLQ on its 24th receive: that is days, not the two
 * hours a fixed delay of one timeout would give a copy of a multi-TB object.
 */
export function duplicateDelaySec(receiveCount: number, visibilityTimeoutSec: number): number {
  const doublings = Math.max(0, Math.min(16, receiveCount - 1));
  return Math.min(MAX_VISIBILITY_SEC, visibilityTimeoutSec * 2 ** doublings);
}
