import {
  type BatchResultErrorEntry,
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
} from "@aws-sdk/client-sqs";
import { classifyAwsError, FatalError, type Logger, RetryableError } from "@s3-migration/common";
import type { SqsSend } from "./heartbeat.js";

/** SQS takes at most 10 entries per batch call. */
const MAX_ENTRIES = 10;

/** The two settling operations, named as SQS names their single-entry APIs. */
export type SettleOperation = "DeleteMessage" | "ChangeMessageVisibility";

/** Options of {@link SqsBatcher}. */
export interface SqsBatcherOptions {
  readonly sqs: SqsSend;
  readonly queueUrl: string;
  /**
   * How long a partial batch waits for more entries after its first one, in milliseconds.
   * @default 10
   */
  readonly flushMs?: number;
  readonly logger: Logger;
}

/**
 * A delete or visibility change SQS did not confirm: its batch entry failed (or went
 * unanswered) and the same call sent alone failed too. The message was not settled, so SQS
 * hands it out again once its visibility ends: for the worker this is a retryable failure.
 * `code` is SQS's code, e.g. `ReceiptHandleIsInvalid` (already deleted, or the receipt
 * expired); the SDK error is the `cause`.
 */
export class SqsSettleError extends RetryableError {
  /** SQS's error code (the SDK error's name), e.g. `ReceiptHandleIsInvalid`. */
  readonly code: string;

  constructor(
    readonly operation: SettleOperation,
    cause: unknown,
  ) {
    const code = cause instanceof Error ? cause.name : "UnknownError";
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`${operation} failed with ${code}: ${detail}`, { cause });
    this.code = code;
  }
}

/** One call waiting for its batch, with the functions that settle its promise. */
interface Entry {
  readonly receiptHandle: string;
  /** The new visibility timeout in seconds (visibility changes only). */
  readonly seconds: number;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/** The entries of one operation waiting for their batch, and the timer that sends a partial one. */
interface Lane {
  entries: Entry[];
  timer: NodeJS.Timeout | undefined;
}

/** What both batch APIs answer. */
interface BatchAnswer {
  readonly Successful?: readonly { readonly Id?: string | undefined }[] | undefined;
  readonly Failed?: readonly BatchResultErrorEntry[] | undefined;
}

/**
 * Sends the worker's deletes and visibility changes to SQS in batches of up to 10.
 *
 * Why: with hundreds of small objects a second, one settling call per message costs a round
 * trip, a signature and a TLS write each; a batch call settles 10 for the price of one. A call
 * waits at most `flushMs` for company, which is nothing next to a copy.
 *
 * Every call still learns its own outcome: its promise resolves only once SQS has confirmed
 * that entry. An entry the batch answer lists as failed, or does not list at all, and every
 * entry of a batch call that threw, is sent once more alone, and that call's result settles it.
 * Deletes and visibility changes are separate APIs, so they wait in separate batches.
 *
 * @example
 * const batcher = new SqsBatcher({ sqs: clients.sqs, queueUrl, logger });
 * await batcher.delete(message.ReceiptHandle ?? "");
 * // on shutdown, after the last job settled:
 * await batcher.close();
 */
export class SqsBatcher {
  readonly #sqs: SqsSend;
  readonly #queueUrl: string;
  readonly #flushMs: number;
  readonly #logger: Logger;
  readonly #lanes: Record<SettleOperation, Lane> = {
    DeleteMessage: { entries: [], timer: undefined },
    ChangeMessageVisibility: { entries: [], timer: undefined },
  };
  /** Batches sent and not yet settled (entries retried alone included): what `flush` awaits. */
  readonly #inFlight = new Set<Promise<void>>();
  #closed = false;

  constructor(options: SqsBatcherOptions) {
    const flushMs = options.flushMs ?? 10;
    if (!Number.isFinite(flushMs) || flushMs < 0) {
      throw new RangeError(`flushMs [${flushMs}] must be a finite number of milliseconds ≥ 0`);
    }
    this.#sqs = options.sqs;
    this.#queueUrl = options.queueUrl;
    this.#flushMs = flushMs;
    this.#logger = options.logger;
  }

  /**
   * Deletes a message. Resolves once SQS has confirmed it; rejects with an
   * {@link SqsSettleError} (or a `FatalError`: credentials, queue gone) otherwise.
   */
  delete(receiptHandle: string): Promise<void> {
    return this.#queue("DeleteMessage", receiptHandle, 0);
  }

  /** Makes a message visible again after `seconds`; settles as {@link SqsBatcher.delete} does. */
  changeVisibility(receiptHandle: string, seconds: number): Promise<void> {
    return this.#queue("ChangeMessageVisibility", receiptHandle, seconds);
  }

  /** Sends everything waiting now; resolves when every call sent so far has settled. */
  async flush(): Promise<void> {
    this.#send("DeleteMessage");
    this.#send("ChangeMessageVisibility");
    await Promise.all(this.#inFlight);
  }

  /**
   * Flushes and stops the timers. Later calls still work, each sent at once in its own batch,
   * so a settle that comes late during shutdown is never lost.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  #queue(operation: SettleOperation, receiptHandle: string, seconds: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const lane = this.#lanes[operation];
      lane.entries.push({ receiptHandle, seconds, resolve, reject });
      if (this.#closed || lane.entries.length >= MAX_ENTRIES) {
        this.#send(operation);
      } else if (lane.timer === undefined) {
        // Referenced: a settle waiting for company must keep the process alive until it is
        // sent (a worker whose last await is a settle would otherwise exit 0 before it).
        lane.timer = setTimeout(() => this.#send(operation), this.#flushMs);
      }
    });
  }

  /** Sends what waits in one lane (never more than 10 entries) and tracks it until settled. */
  #send(operation: SettleOperation): void {
    const lane = this.#lanes[operation];
    clearTimeout(lane.timer);
    lane.timer = undefined;
    const entries = lane.entries;
    if (entries.length === 0) return;
    lane.entries = [];
    const settling: Promise<void> = this.#settle(operation, entries).finally(() =>
      this.#inFlight.delete(settling),
    );
    this.#inFlight.add(settling);
  }

  /** Sends one batch and settles each entry by its answer; never rejects. */
  async #settle(operation: SettleOperation, entries: readonly Entry[]): Promise<void> {
    let answer: BatchAnswer;
    try {
      answer = await this.#sendBatch(operation, entries);
    } catch (err) {
      this.#logger.warn("SQS batch call failed, entries sent one by one", {
        operation,
        entries: entries.length,
        error: err,
      });
      await Promise.all(entries.map((entry) => this.#sendAlone(operation, entry)));
      return;
    }
    const confirmed = new Set(answer.Successful?.map((s) => s.Id));
    const failed = new Map(answer.Failed?.map((f) => [f.Id, f]));
    await Promise.all(
      entries.map((entry, i) => {
        const failure = failed.get(batchId(i));
        if (failure === undefined && confirmed.has(batchId(i))) return entry.resolve();
        // Failed, or missing from both lists: SQS did not confirm it, so it is not done.
        this.#logger.warn("SQS batch entry not confirmed, sent alone", {
          operation,
          code: failure?.Code ?? "NotInBatchAnswer",
          reason: failure?.Message,
        });
        return this.#sendAlone(operation, entry);
      }),
    );
  }

  #sendBatch(operation: SettleOperation, entries: readonly Entry[]): Promise<BatchAnswer> {
    const QueueUrl = this.#queueUrl;
    if (operation === "DeleteMessage") {
      const Entries = entries.map((e, i) => ({ Id: batchId(i), ReceiptHandle: e.receiptHandle }));
      return this.#sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries }));
    }
    const Entries = entries.map((e, i) => ({
      Id: batchId(i),
      ReceiptHandle: e.receiptHandle,
      VisibilityTimeout: e.seconds,
    }));
    return this.#sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl, Entries }));
  }

  /** The single-entry call: its result is the entry's outcome. */
  async #sendAlone(operation: SettleOperation, entry: Entry): Promise<void> {
    const input = { QueueUrl: this.#queueUrl, ReceiptHandle: entry.receiptHandle };
    try {
      if (operation === "DeleteMessage") {
        await this.#sqs.send(new DeleteMessageCommand(input));
      } else {
        await this.#sqs.send(
          new ChangeMessageVisibilityCommand({ ...input, VisibilityTimeout: entry.seconds }),
        );
      }
      entry.resolve();
    } catch (err) {
      entry.reject(notConfirmed(operation, err));
    }
  }
}

/** An entry's id: its place in the batch, unique there and valid (`[A-Za-z0-9_-]{1,80}`). */
function batchId(index: number): string {
  return String(index);
}

/**
 * The error of a call SQS did not confirm. A fatal answer (credentials, queue gone) stays a
 * `FatalError`, so the poll loop backs off on it as it did when these calls were unbatched.
 */
function notConfirmed(operation: SettleOperation, cause: unknown): Error {
  const err = new SqsSettleError(operation, cause);
  return classifyAwsError(cause) === "fatal" ? new FatalError(err.message, { cause }) : err;
}
