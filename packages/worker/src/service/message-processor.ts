import { randomUUID } from "node:crypto";
import type { Message } from "@aws-sdk/client-sqs";
import {
  awsErrorIs,
  type CopyJob,
  type EventRouting,
  type Logger,
  MessageError,
  type ParsedMessage,
  parseJobMessage,
  type RejectedRecord,
  type SliceJob,
  sliceParts,
  type UnroutedRecord,
} from "@s3-migration/common";
import { LeaseLostError } from "../engine/transfer/upload-ledger.js";
import { claimObject, type Delivery } from "./claim-object.js";
import { copyAndRecord } from "./copy-and-record.js";
import { handleSlice } from "./handle-slice.js";
import { logStopped, type SqsSend } from "./heartbeat.js";
import { receiveCount } from "./job-timing.js";
import {
  type CurrentLease,
  deleteMessage,
  settleMessage,
  underHeartbeat,
} from "./message-settle.js";
import type { MessageWeight } from "./message-weight.js";
import { ObjectLease } from "./object-lease.js";
import { recordFailure } from "./record-failure.js";
import type { RotatingTransfer } from "./rotating-transfer.js";
import type { JobOutcome } from "./settle-rules.js";
import type { SplitCause, SplitSettings } from "./split-object.js";
import type { SqsBatcher } from "./sqs-batcher.js";
import type { StatusStore } from "./status-store.js";
import type { ThroughputMetrics } from "./throughput-metrics.js";

/** What the processor needs; the transfer deps are acquired per job so rotated credentials take effect. */
export interface ProcessorDeps {
  readonly sqs: SqsSend;
  readonly queueUrl: string;
  readonly visibilityTimeoutSec: number;
  readonly status: StatusStore;
  /** Held by a job while it uses them (a rotated-out client is destroyed after its jobs). */
  readonly transfer: Pick<RotatingTransfer, "acquire">;
  /** How S3 events are routed; `fresh` (if any) is awaited before each message is parsed. */
  readonly events: EventRouting & { fresh?(): Promise<void> };
  readonly jobTimeoutSec: number;
  readonly metrics: ThroughputMetrics;
  readonly logger: Logger;
  /** Re-reads the access-key side's credentials; true when they changed (key rotated). */
  readonly refreshCredentials: () => Promise<boolean>;
  /**
   * Deletes and visibility changes, batched ({@link SqsBatcher}); without it, one call per
   * message.
   */
  readonly settle?: Pick<SqsBatcher, "delete" | "changeVisibility"> | undefined;
  /** Learns the connections each message claims, for the poll loop ({@link MessageWeight}). */
  readonly weight?: Pick<MessageWeight, "record"> | undefined;
  /** The queue's receives before its DLQ (bounds how often a slice is handed back). */
  readonly maxReceiveCount?: number | undefined;
  /** Giant objects split into slices (`SplitThreshold`); without it every object is copied whole. */
  readonly split?: SplitSettings | undefined;
}

/** A job run for a slice: only while the item binds the slice's upload, and why. */
interface SliceTurn extends SplitCause {
  readonly expectUpload: string;
}

/**
 * Handles one queue message end to end: parse, copy every object it names (one for a jobsender
 * job, one per record for an S3 event) while a heartbeat keeps the message invisible and the
 * object's lease alive, record each outcome, then settle the message (`settle-rules.ts`): delete
 * it (copied, or failed for good), make it come back after a backoff (retryable failure) or when
 * another attempt's lease ends (busy), release it at once (shutdown, or the receive's 12 hours
 * in SQS ran out: the upload is kept and the next receive resumes it), or leave it alone (the
 * object was taken over by another attempt). A message that cannot be parsed is logged and
 * left alone, so the queue's redrive policy moves it to the DLQ.
 * The unreadable records of an S3 event are logged and counted as failed objects; the others
 * are copied. A fatal error is rethrown after the message is released.
 */
export class MessageProcessor {
  readonly #d: ProcessorDeps;

  constructor(deps: ProcessorDeps) {
    this.#d = deps;
  }

  /**
   * Handles one message. Rejects with the error that stopped it (fatal, or SQS or the status
   * table unreachable), after releasing the message if its copies had started.
   */
  async process(message: Message, shutdown: AbortSignal): Promise<void> {
    const log = this.#d.logger.child({ messageId: message.MessageId });
    await this.#d.events.fresh?.();
    const parsed = this.#parse(message, log);
    if (parsed === undefined) return;
    if (parsed.kind === "ignore") {
      log.info("message ignored", { reason: parsed.reason });
      await deleteMessage(this.#d, message);
      return;
    }
    this.#d.weight?.record(parsed.kind === "slice" ? partsIn(parsed.slice) : 1);
    if (parsed.kind === "jobs") {
      this.#reportRejected(parsed.rejected ?? [], log);
      this.#reportUnrouted(parsed.unrouted ?? [], log);
    }
    const outcomes = await underHeartbeat(this.#d, message, shutdown, log, (stop, current) =>
      parsed.kind === "slice"
        ? this.#runSlice(parsed.slice, deliveryOf(message), stop, current, log)
        : this.#runJobs(parsed.jobs, deliveryOf(message), stop, current, log),
    );
    await settleMessage(this.#d, message, outcomes);
  }

  /** The jobs of a message, one after another, until the message must stop. */
  async #runJobs(
    jobs: readonly CopyJob[],
    delivery: Delivery,
    stop: AbortSignal,
    current: CurrentLease,
    log: Logger,
  ): Promise<JobOutcome[]> {
    const ended: JobOutcome[] = [];
    for (const job of jobs) {
      ended.push(
        stop.aborted ? { kind: "released" } : await this.#runJob(job, delivery, stop, current, log),
      );
    }
    return ended;
  }

  /** A slice (`handle-slice.ts`), and the object's own job when the slice asks for it. */
  async #runSlice(
    slice: SliceJob,
    delivery: Delivery,
    stop: AbortSignal,
    current: CurrentLease,
    log: Logger,
  ): Promise<JobOutcome[]> {
    const runObject = (expectUpload: string, cause: SplitCause) =>
      this.#runJob(slice.job, delivery, stop, current, log, { expectUpload, ...cause });
    return [await handleSlice(slice, stop, this.#d, delivery, runObject, log)];
  }

  /** The parsed message, or `undefined` (logged) when it is not understood. */
  #parse(message: Message, log: Logger): ParsedMessage | undefined {
    try {
      return parseJobMessage(message.Body ?? "", this.#d.events);
    } catch (err) {
      if (!(err instanceof MessageError)) throw err;
      log.error("message not understood, left for the dead-letter queue", {
        error: err,
        receiveCount: receiveCount(message),
      });
      return undefined;
    }
  }

  /** One `error` line and one failed object per S3 event record that cannot be read. */
  #reportRejected(rejected: readonly RejectedRecord[], log: Logger): void {
    for (const record of rejected) {
      this.#d.metrics.add("ObjectsFailed");
      log.error("event record not understood", { recordIndex: record.index, error: record.error });
    }
  }

  /** One `warn` line and one dropped event per record no destination takes. */
  #reportUnrouted(unrouted: readonly UnroutedRecord[], log: Logger): void {
    for (const record of unrouted) {
      this.#d.metrics.add("EventsDropped");
      log.warn(
        "event record dropped: no bucket-map entry takes its bucket and key, and Des_bucket_default is empty",
        { recordIndex: record.index, srcBucket: record.bucket, srcKey: record.key },
      );
    }
  }

  /**
   * Claims one object, copies it (once more after a key rotation) and records how it ended. For
   * a slice's `turn`, an item that no longer binds the slice's upload ends it at once (the
   * object was completed or restarted by another attempt: the slice is stale).
   */
  async #runJob(
    job: CopyJob,
    delivery: Delivery,
    stop: AbortSignal,
    current: CurrentLease,
    parentLog: Logger,
    turn?: SliceTurn,
  ): Promise<JobOutcome> {
    const log = parentLog.child({
      srcBucket: job.srcBucket,
      srcKey: job.srcKey,
      dstBucket: job.dstBucket,
      dstKey: job.dstKey,
      sizeBytes: job.size,
    });
    // The message id in the attempt id tells a later delivery of the same message (its holder
    // stopped renewing) from a duplicate message (its holder is at work).
    const attemptId = `${delivery.messageId}/${randomUUID()}`;
    const lease = await claimObject(job, attemptId, delivery, this.#d, log);
    if (!(lease instanceof ObjectLease)) return lease;
    if (turn !== undefined && lease.ledger().recorded?.uploadId !== turn.expectUpload) {
      await lease.release();
      log.info("slice dropped: its upload is no longer the object's", {
        uploadId: turn.expectUpload,
      });
      return { kind: "done" };
    }
    current.lease = lease;
    try {
      return await this.#copyUnderLease(job, attemptId, lease, stop, log, turn ?? {});
    } finally {
      lease.end();
      current.lease = undefined;
    }
  }

  async #copyUnderLease(
    job: CopyJob,
    attemptId: string,
    lease: ObjectLease,
    stop: AbortSignal,
    log: Logger,
    cause: SplitCause,
  ): Promise<JobOutcome> {
    for (let refreshed = false; ; refreshed = true) {
      try {
        await copyAndRecord(job, attemptId, lease, stop, this.#d, log, cause);
        return { kind: "done" };
      } catch (err) {
        if (lease.lost || err instanceof LeaseLostError) {
          log.warn("object taken over by another attempt, copy stopped", { error: err });
          return { kind: "lease-lost" };
        }
        if (stop.aborted) {
          await lease.release();
          logStopped(stop.reason, log);
          return { kind: "released" };
        }
        if (!refreshed && (await this.#keyRotated(err, log))) continue;
        lease.end();
        return await recordFailure(job, attemptId, err, this.#d, log);
      }
    }
  }

  /** True when the access key was rejected and re-reading the credentials found a new one. */
  async #keyRotated(err: unknown, log: Logger): Promise<boolean> {
    if (!awsErrorIs(err, "credentials-rejected")) return false;
    if (!(await this.#d.refreshCredentials())) return false;
    log.warn("access key rejected; credentials re-read and copy retried", { error: err });
    return true;
  }
}

/** The parts of a slice: the connections it claims. */
function partsIn(slice: SliceJob): number {
  const { first, last } = sliceParts(slice);
  return last - first + 1;
}

/** Which message this is and how often SQS has handed it out. */
function deliveryOf(message: Message): Delivery {
  return { messageId: message.MessageId ?? "", receiveCount: receiveCount(message) };
}
