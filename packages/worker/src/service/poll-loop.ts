import { type Message, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { classifyAwsError, type Logger } from "@s3-migration/common";
import type { ConnectionPool } from "../engine/transfer/connection-pool.js";
import { type SqsSend, setVisibility } from "./heartbeat.js";
import type { MessageProcessor } from "./message-processor.js";
import type { MessageWeight } from "./message-weight.js";
import { queueIsEmpty } from "./queue-check.js";

/** Options of {@link PollLoop}. */
export interface PollLoopOptions {
  readonly sqs: SqsSend;
  readonly queueUrl: string;
  readonly processor: Pick<MessageProcessor, "process">;
  readonly logger: Logger;
  /** Messages in work at once, at most (`MaxParallelFile`, else the connection cap). */
  readonly maxMessages: number;
  /**
   * The worker's connection cap: messages are taken while it has connections no running or
   * queued request claims. Without it, `maxMessages` alone decides.
   */
  readonly connections?: Pick<ConnectionPool, "capacity" | "active" | "pending" | "released">;
  /**
   * Connections per message lately ({@link MessageWeight}): free connections are divided by it
   * when messages are taken. Without it, one connection per message.
   */
  readonly weight?: Pick<MessageWeight, "messagesFor"> | undefined;
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

/** Receives in flight at once when the queue has a backlog (each brings at most 10 messages). */
const MAX_PARALLEL_RECEIVES = 10;

/**
 * Keeps the worker's connections busy: takes messages while the connection cap has
 * connections that no running or queued request claims (each message needs at least one), up
 * to `maxMessages`, hands each to the processor, and loops. One huge object's queued parts
 * claim every connection, so no message waits behind it; a few hundred small objects each hold
 * one. With a backlog (the last receive came back full) it runs up to 10 receives at once; an
 * idle fleet makes one cheap long poll per `waitSeconds`. `stop()` (SIGTERM, Spot notice) ends
 * polling and aborts the running jobs, whose messages the processor releases for another worker.
 */
export class PollLoop {
  readonly #o: PollLoopOptions;
  readonly #running = new Set<Promise<void>>();
  readonly #stopPolling = new AbortController();
  readonly #abortJobs = new AbortController();
  #fatalStreak = 0;
  /** The last receive round brought all it asked for: the queue has a backlog. */
  #backlog = false;
  #jobEnded: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(options: PollLoopOptions) {
    if (!Number.isInteger(options.maxMessages) || options.maxMessages < 1) {
      throw new RangeError(`maxMessages [${options.maxMessages}] must be an integer from 1 and up`);
    }
    this.#o = options;
  }

  /** Messages to take now: what neither `maxMessages` nor the connection cap rules out. */
  #freeSlots(): number {
    const { maxMessages, connections } = this.#o;
    const running = this.#running.size;
    const byMessages = maxMessages - running;
    if (connections === undefined) return byMessages;
    // A message claims at least one connection, even before its first request is queued.
    const claimed = Math.max(running, connections.active + connections.pending);
    return Math.min(byMessages, connections.capacity - claimed);
  }

  /** The fewest free slots worth a receive while jobs run: fewer would make tiny receives. */
  #minBatch(): number {
    const { maxMessages, connections } = this.#o;
    const most = Math.min(maxMessages, connections?.capacity ?? maxMessages);
    return Math.max(1, Math.min(10, Math.floor(most / 4)));
  }

  /** Resolves when a job ends or a connection frees up. */
  #somethingFreed(): Promise<void> {
    if (this.#jobEnded === undefined) {
      let resolve = () => {};
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.#jobEnded = { promise, resolve };
    }
    const released = this.#o.connections?.released();
    return released ? Promise.race([this.#jobEnded.promise, released]) : this.#jobEnded.promise;
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
      const free = this.#freeSlots();
      if (this.#running.size > 0 && free < this.#minBatch()) {
        await this.#somethingFreed();
        continue;
      }
      const messages = await this.#receiveRound(this.#o.weight?.messagesFor(free) ?? free);
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
      if (!(await queueIsEmpty(o.sqs, o.queueUrl))) {
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
      .finally(() => {
        this.#running.delete(tracked);
        const ended = this.#jobEnded;
        this.#jobEnded = undefined;
        ended?.resolve();
      });
    this.#running.add(tracked);
  }

  /**
   * Up to `free` messages: one receive, or with a backlog up to {@link MAX_PARALLEL_RECEIVES} at
   * once; `undefined` when every receive failed.
   */
  async #receiveRound(free: number): Promise<Message[] | undefined> {
    const receives = this.#backlog ? Math.min(Math.ceil(free / 10), MAX_PARALLEL_RECEIVES) : 1;
    const sizes = Array.from({ length: receives }, (_, i) => Math.min(10, free - i * 10));
    const rounds = await Promise.all(sizes.map((size) => this.#receive(size)));
    const messages = rounds.flatMap((r) => r ?? []);
    this.#backlog = rounds.every((r, i) => r !== undefined && r.length === sizes[i]);
    return rounds.every((r) => r === undefined) ? undefined : messages;
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
