import { SendMessageBatchCommand, type SendMessageBatchRequestEntry } from "@aws-sdk/client-sqs";
import pLimit from "p-limit";
import { RetryableError } from "../errors.js";
import type { SqsSend } from "./queue-counts.js";

/** Options of {@link MessageSender}. */
export interface MessageSenderOptions {
  /** Batches in flight at once. @default 8 */
  readonly concurrency?: number;
  /** Times failed entries of a batch are sent again. @default 5 */
  readonly maxRetry?: number;
  /** First delay before resending failed entries; doubles each time. @default 200 */
  readonly retryDelayMs?: number;
}

/**
 * Sends message bodies (the jobsender's jobs, a splitting worker's slices) with SendMessageBatch, 10 per call and several calls in flight. SendMessageBatch
 * can succeed as a call while some entries fail (throttling, an internal error): those entries
 * are sent again with backoff; still failing after `maxRetry` rounds, the send fails with a
 * RetryableError naming how many. `add` waits when enough batches are in flight, so memory
 * stays bounded however many messages the caller yields.
 */
export class MessageSender {
  readonly #sqs: SqsSend;
  readonly #queueUrl: string;
  readonly #limit: ReturnType<typeof pLimit>;
  readonly #maxRetry: number;
  readonly #retryDelayMs: number;
  readonly #inFlight = new Set<Promise<void>>();
  #batch: string[] = [];
  #sent = 0;
  #firstError: unknown;

  constructor(sqs: SqsSend, queueUrl: string, options: MessageSenderOptions = {}) {
    this.#sqs = sqs;
    this.#queueUrl = queueUrl;
    this.#limit = pLimit(options.concurrency ?? 8);
    this.#maxRetry = options.maxRetry ?? 5;
    this.#retryDelayMs = options.retryDelayMs ?? 200;
  }

  /** Messages the queue has accepted so far. */
  get sent(): number {
    return this.#sent;
  }

  /** Queues one message body (sent in the next batch of 10). */
  async add(body: string): Promise<void> {
    this.#throwIfFailed();
    this.#batch.push(body);
    if (this.#batch.length < 10) return;
    this.#dispatch();
    // Back-pressure: never more than `concurrency` batches queued behind the ones in flight.
    while (this.#limit.activeCount + this.#limit.pendingCount >= this.#limit.concurrency * 2) {
      await Promise.race(this.#inFlight);
    }
  }

  /** Sends what is left and waits for every batch. */
  async flush(): Promise<void> {
    if (this.#batch.length > 0) this.#dispatch();
    await Promise.all(this.#inFlight);
    this.#throwIfFailed();
  }

  #dispatch(): void {
    const bodies = this.#batch;
    this.#batch = [];
    const work = this.#limit(() => this.#sendBatch(bodies))
      .catch((err: unknown) => {
        this.#firstError ??= err;
      })
      .finally(() => this.#inFlight.delete(work));
    this.#inFlight.add(work);
  }

  async #sendBatch(bodies: readonly string[]): Promise<void> {
    let entries: SendMessageBatchRequestEntry[] = bodies.map((body, i) => ({
      Id: String(i),
      MessageBody: body,
    }));
    for (let round = 0; entries.length > 0; round++) {
      if (round > this.#maxRetry) {
        throw new RetryableError(
          `${entries.length} messages still refused after ${this.#maxRetry} resends`,
        );
      }
      if (round > 0) await new Promise((r) => setTimeout(r, this.#retryDelayMs * 2 ** (round - 1)));
      const out = await this.#sqs.send(
        new SendMessageBatchCommand({ QueueUrl: this.#queueUrl, Entries: entries }),
      );
      const failed = new Set((out.Failed ?? []).map((f) => f.Id));
      const senderFault = (out.Failed ?? []).find((f) => f.SenderFault);
      if (senderFault) {
        throw new RetryableError(
          `the queue refused a message: ${senderFault.Code} ${senderFault.Message ?? ""}`,
        );
      }
      this.#sent += entries.length - failed.size;
      entries = entries.filter((e) => failed.has(e.Id));
    }
  }

  #throwIfFailed(): void {
    if (this.#firstError !== undefined) throw this.#firstError;
  }
}
