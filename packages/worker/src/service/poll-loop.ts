import {
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
} from "@aws-sdk/client-sqs";
import { classifyAwsError, type Logger } from "@s3-migration/common";
import { type SqsSend, setVisibility } from "./heartbeat.js";
import type { MessageProcessor } from "./message-processor.js";

/** Options of {@link PollLoop}. */
export interface PollLoopOptions {
  readonly sqs: SqsSend;
  readonly queueUrl: string;
  readonly processor: Pick<MessageProcessor, "process">;
  readonly logger: Logger;
  /** Messages in flight at once (`MaxParallelFile`). */
  readonly maxParallel: number;
  /** Long-poll wait (`PollWaitSeconds`). @default 20 */
  readonly waitSeconds: number;
  /** Batch mode: stop once the queue (visible + in flight) has been empty this long. */
  readonly untilIdleSec?: number | undefined;
  /** Fatal errors in a row before the loop gives up (systemd restarts the process). @default 5 */
  readonly fatalLimit?: number | undefined;
  /** First backoff after a fatal error, doubled each time. @default 2000 */
  readonly fatalBackoffMs?: number | undefined;
}

/** Why {@link PollLoop.run} returned. */
export type LoopEnd = "stopped" | "idle" | "fatal";

/**
 * Keeps up to `maxParallel` messages in work: long-polls SQS for at most as many messages as
 * there are free slots (never more than 10), hands each to the processor, and loops. An idle
 * fleet makes one cheap request per `waitSeconds`; a busy one never waits on an empty poll.
 * `stop()` (SIGTERM, Spot notice) ends polling and aborts the running jobs, whose messages the
 * processor releases for another worker.
 */
export class PollLoop {
  readonly #o: PollLoopOptions;
  readonly #running = new Set<Promise<void>>();
  readonly #stopPolling = new AbortController();
  readonly #abortJobs = new AbortController();
  #fatalStreak = 0;

  constructor(options: PollLoopOptions) {
    if (!Number.isInteger(options.maxParallel) || options.maxParallel < 1) {
      throw new RangeError(`maxParallel [${options.maxParallel}] must be an integer from 1 and up`);
    }
    this.#o = options;
  }

  /** Stops polling and aborts the jobs in flight (their uploads stay for resume). */
  stop(reason: string): void {
    if (this.#stopPolling.signal.aborted) return;
    this.#o.logger.info("worker stopping", { reason, jobsInFlight: this.#running.size });
    this.#stopPolling.abort(new Error(reason));
    this.#abortJobs.abort(new Error(reason));
  }

  async run(): Promise<LoopEnd> {
    const o = this.#o;
    const limit = o.fatalLimit ?? 5;
    let idleSince: number | undefined;
    let end: LoopEnd = "stopped";
    while (!this.#stopPolling.signal.aborted) {
      if (this.#fatalStreak >= limit) {
        end = "fatal";
        this.stop(`${this.#fatalStreak} fatal errors in a row`);
        break;
      }
      const free = o.maxParallel - this.#running.size;
      if (free <= 0) {
        await Promise.race(this.#running);
        continue;
      }
      const messages = await this.#receive(Math.min(10, free));
      if (messages === undefined) continue;
      if (this.#stopPolling.signal.aborted) {
        await this.#release(messages);
        break;
      }
      for (const message of messages)
        this.#track(o.processor.process(message, this.#abortJobs.signal));
      if (o.untilIdleSec === undefined || messages.length > 0 || this.#running.size > 0) {
        idleSince = undefined;
        continue;
      }
      if (!(await this.#queueIsEmpty())) {
        idleSince = undefined;
        continue;
      }
      idleSince ??= Date.now();
      if (Date.now() - idleSince >= o.untilIdleSec * 1000) {
        end = "idle";
        o.logger.info("queue empty, batch mode ends", { idleSeconds: o.untilIdleSec });
        break;
      }
    }
    await Promise.allSettled([...this.#running]);
    return end;
  }

  #track(work: Promise<void>): void {
    const tracked: Promise<void> = work
      .then(() => {
        this.#fatalStreak = 0;
      })
      .catch((err: unknown) => this.#onError(err, "job failed"))
      .finally(() => this.#running.delete(tracked));
    this.#running.add(tracked);
  }

  /**
   * One long poll. It is not aborted on stop: SQS may already have handed messages to a poll
   * whose connection the client drops, and they would stay invisible for a whole visibility
   * timeout. The poll ends by itself within `waitSeconds`; what it brings after a stop is
   * released at once.
   */
  async #receive(max: number) {
    const o = this.#o;
    try {
      const out = await o.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: o.queueUrl,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: o.waitSeconds,
          MessageSystemAttributeNames: ["ApproximateReceiveCount"],
        }),
      );
      return out.Messages ?? [];
    } catch (err) {
      if (this.#stopPolling.signal.aborted) return undefined;
      await this.#onError(err, "receive failed");
      return undefined;
    }
  }

  async #release(messages: readonly Message[]): Promise<void> {
    const o = this.#o;
    await Promise.allSettled(
      messages.map((m) => setVisibility(o.sqs, o.queueUrl, m.ReceiptHandle ?? "", 0)),
    );
  }

  async #queueIsEmpty(): Promise<boolean> {
    const o = this.#o;
    const out = await o.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: o.queueUrl,
        AttributeNames: [
          "ApproximateNumberOfMessages",
          "ApproximateNumberOfMessagesNotVisible",
          "ApproximateNumberOfMessagesDelayed",
        ],
      }),
    );
    const a = out.Attributes ?? {};
    return (
      Number(a.ApproximateNumberOfMessages ?? 0) +
        Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
        Number(a.ApproximateNumberOfMessagesDelayed ?? 0) ===
      0
    );
  }

  /** Fatal errors back off (2 s, 4 s, 8 s …) and count towards the limit; others log and go on. */
  async #onError(err: unknown, what: string): Promise<void> {
    const o = this.#o;
    if (classifyAwsError(err) !== "fatal") {
      o.logger.warn(what, { error: err });
      await sleep(1000, this.#stopPolling.signal);
      return;
    }
    this.#fatalStreak++;
    const backoff = (o.fatalBackoffMs ?? 2000) * 2 ** (this.#fatalStreak - 1);
    o.logger.error(`${what}: fatal error, backing off`, {
      error: err,
      fatalErrorsInARow: this.#fatalStreak,
      backoffMs: backoff,
    });
    await sleep(backoff, this.#stopPolling.signal);
  }
}

/** Waits `ms`, or less if `signal` aborts; never rejects. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
