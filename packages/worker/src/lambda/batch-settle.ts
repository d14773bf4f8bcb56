import type { SqsSend } from "../service/heartbeat.js";
import { setVisibility } from "../service/heartbeat.js";

/**
 * How the processor's settle calls map onto Lambda's partial batch response. A message the
 * processor deletes (copied, or failed for good) is reported as a success, and Lambda's event
 * source mapping deletes it. A visibility change (a retry after a backoff, a busy object, a
 * release at the deadline) is made at once and the message reported as a failure, so Lambda
 * leaves it to come back when that visibility ends. A message the processor neither deletes nor
 * changes (not understood, or taken over) is reported as a failure too: it comes back after
 * its visibility timeout, and the queue's redrive policy applies.
 */
export class BatchSettle {
  readonly #sqs: SqsSend;
  readonly #queueUrl: string;
  readonly #deleted = new Set<string>();

  constructor(sqs: SqsSend, queueUrl: string) {
    this.#sqs = sqs;
    this.#queueUrl = queueUrl;
  }

  /** Marks the message a success: the event source mapping deletes it. */
  async delete(receiptHandle: string): Promise<void> {
    this.#deleted.add(receiptHandle);
  }

  async changeVisibility(receiptHandle: string, seconds: number): Promise<void> {
    this.#deleted.delete(receiptHandle);
    await setVisibility(this.#sqs, this.#queueUrl, receiptHandle, seconds);
  }

  /** True when the message is to be reported as a success. */
  succeeded(receiptHandle: string): boolean {
    return this.#deleted.has(receiptHandle);
  }
}
