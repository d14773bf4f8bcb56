import { randomUUID } from "node:crypto";
import { DeleteMessageCommand, type Message } from "@aws-sdk/client-sqs";
import {
  awsErrorIs,
  type CopyJob,
  type EventDestination,
  type Logger,
  MessageError,
  type ParsedMessage,
  parseJobMessage,
  type RejectedRecord,
} from "@s3-migration/common";
import { LeaseLostError } from "../engine/transfer/upload-ledger.js";
import { claimObject, type Delivery } from "./claim-object.js";
import { copyAndRecord } from "./copy-and-record.js";
import { handleSlice } from "./handle-slice.js";
import { keepInvisible, logStopped, type SqsSend, setVisibility } from "./heartbeat.js";
import { receiveCount, retryDelaySec } from "./job-timing.js";
import { ObjectLease } from "./object-lease.js";
import { recordFailure } from "./record-failure.js";
import type { RotatingTransfer } from "./rotating-transfer.js";
import { type JobOutcome, settlement } from "./settle-rules.js";
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
  readonly events: EventDestination;
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
  /** Giant objects split into slices (`SplitThreshold`); without it every object is copied whole. */
  readonly split?: SplitSettings | undefined;
}

/** A job run for a slice: only while the item binds the slice's upload, and why. */
interface SliceTurn extends SplitCause {
  readonly expectUpload: string;
}

/** The lease of the object a message is copying now (renewed by its heartbeat). */
interface CurrentLease {
  lease: ObjectLease | undefined;
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
    const parsed = this.#parse(message, log);
    if (parsed === undefined) return;
    if (parsed.kind === "ignore") {
      log.info("message ignored", { reason: parsed.reason });
      await this.#delete(message);
      return;
    }
    if (parsed.kind === "slice") {
      const { slice } = parsed;
      const outcomes = await this.#underHeartbeat(message, shutdown, log, async (stop, current) => [
        await handleSlice(
          slice,
          stop,
          this.#d,
          (expectUpload, cause) =>
            this.#runJob(slice.job, deliveryOf(message), stop, current, log, {
              expectUpload,
              ...cause,
            }),
          log,
        ),
      ]);
      await this.#settle(message, outcomes);
      return;
    }
    this.#reportRejected(parsed.rejected ?? [], log);
    const outcomes = await this.#underHeartbeat(message, shutdown, log, async (stop, current) => {
      const ended: JobOutcome[] = [];
      for (const job of parsed.jobs) {
        ended.push(
          stop.aborted
            ? { kind: "released" }
            : await this.#runJob(job, deliveryOf(message), stop, current, log),
        );
      }
      return ended;
    });
    await this.#settle(message, outcomes);
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

  /**
   * Runs the message's work (its jobs one after another, or its slice) under a heartbeat; a
   * fatal error releases the message. The work stops, as on shutdown, when the heartbeat cannot
   * extend the message's visibility within SQS's 12 hours from this receive (the message is
   * then released for a fresh receive).
   */
  async #underHeartbeat(
    message: Message,
    shutdown: AbortSignal,
    log: Logger,
    work: (stop: AbortSignal, current: CurrentLease) => Promise<JobOutcome[]>,
  ): Promise<JobOutcome[]> {
    const d = this.#d;
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
      await this.#setVisibility(receipt, 0).catch((releaseErr: unknown) =>
        log.warn("message release failed", { error: releaseErr }),
      );
      throw err;
    } finally {
      stopHeartbeat();
    }
  }

  /** Deletes the message, changes its visibility, or leaves it, as `settlement` says. */
  async #settle(message: Message, outcomes: readonly JobOutcome[]): Promise<void> {
    const settle = settlement(outcomes, retryDelaySec(receiveCount(message)));
    if (settle.kind === "delete") await this.#delete(message);
    if (settle.kind === "visibility") {
      await this.#setVisibility(message.ReceiptHandle ?? "", settle.seconds);
    }
  }

  async #setVisibility(receipt: string, seconds: number): Promise<void> {
    const d = this.#d;
    if (d.settle) await d.settle.changeVisibility(receipt, seconds);
    else await setVisibility(d.sqs, d.queueUrl, receipt, seconds);
  }

  async #delete(message: Message): Promise<void> {
    const d = this.#d;
    if (d.settle) return d.settle.delete(message.ReceiptHandle ?? "");
    await d.sqs.send(
      new DeleteMessageCommand({
        QueueUrl: d.queueUrl,
        ReceiptHandle: message.ReceiptHandle ?? "",
      }),
    );
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

/** Which message this is and how often SQS has handed it out. */
function deliveryOf(message: Message): Delivery {
  return { messageId: message.MessageId ?? "", receiveCount: receiveCount(message) };
}
