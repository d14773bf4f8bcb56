import { randomUUID } from "node:crypto";
import { DeleteMessageCommand, type Message } from "@aws-sdk/client-sqs";
import {
  awsErrorIs,
  type CopyJob,
  classifyAwsError,
  type EventDestination,
  FatalError,
  type Logger,
  MessageError,
  type ParsedMessage,
  parseJobMessage,
  type RejectedRecord,
} from "@s3-migration/common";
import { copyObject } from "../engine/copy-object.js";
import { doneStillHolds } from "./duplicate-check.js";
import { type SqsSend, setVisibility, startHeartbeat } from "./heartbeat.js";
import { jobSignal, receiveCount, retryDelaySec } from "./job-timing.js";
import type { RotatingTransfer } from "./rotating-transfer.js";
import type { StatusItem, StatusStore } from "./status-store.js";
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
}

type JobOutcome = "done" | "object-failed" | "retry" | "released";

/** An S3 event record the parser could not read (its index and error). */

/**
 * Handles one queue message end to end: parse, copy every object it names (one for a jobsender
 * job, one per record for an S3 event) while a heartbeat keeps the message invisible, record
 * each outcome, then settle the message: delete it (copied, or failed for good), make it come
 * back after a backoff (retryable failure), or release it at once (shutdown). A message that
 * cannot be parsed is logged and left alone, so the queue's redrive policy moves it to the DLQ.
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
    this.#reportRejected(parsed.rejected ?? [], log);
    const outcomes = await this.#runJobs(parsed.jobs, message, shutdown, log);
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

  /** Runs the jobs one after another under a heartbeat; a fatal error releases the message. */
  async #runJobs(
    jobs: readonly CopyJob[],
    message: Message,
    shutdown: AbortSignal,
    log: Logger,
  ): Promise<JobOutcome[]> {
    const d = this.#d;
    const receipt = message.ReceiptHandle ?? "";
    const stopHeartbeat = startHeartbeat(d.sqs, d.queueUrl, receipt, d.visibilityTimeoutSec, log);
    const outcomes: JobOutcome[] = [];
    try {
      for (const job of jobs) {
        outcomes.push(shutdown.aborted ? "released" : await this.#runJob(job, shutdown, log));
      }
      return outcomes;
    } catch (err) {
      stopHeartbeat();
      await setVisibility(d.sqs, d.queueUrl, receipt, 0).catch((releaseErr: unknown) =>
        log.warn("message release failed", { error: releaseErr }),
      );
      throw err;
    } finally {
      stopHeartbeat();
    }
  }

  /** Released (shutdown) → visible at once; retry → after a backoff; otherwise deleted. */
  async #settle(message: Message, outcomes: readonly JobOutcome[]): Promise<void> {
    const d = this.#d;
    const receipt = message.ReceiptHandle ?? "";
    if (outcomes.includes("released")) {
      await setVisibility(d.sqs, d.queueUrl, receipt, 0);
    } else if (outcomes.includes("retry")) {
      await setVisibility(d.sqs, d.queueUrl, receipt, retryDelaySec(receiveCount(message)));
    } else {
      await this.#delete(message);
    }
  }

  async #delete(message: Message): Promise<void> {
    const d = this.#d;
    await d.sqs.send(
      new DeleteMessageCommand({
        QueueUrl: d.queueUrl,
        ReceiptHandle: message.ReceiptHandle ?? "",
      }),
    );
  }

  /** Copies one object, once more after a key rotation, and records how it ended. */
  async #runJob(job: CopyJob, shutdown: AbortSignal, parentLog: Logger): Promise<JobOutcome> {
    const log = parentLog.child({
      srcBucket: job.srcBucket,
      srcKey: job.srcKey,
      dstBucket: job.dstBucket,
      dstKey: job.dstKey,
      sizeBytes: job.size,
    });
    const attemptId = randomUUID();
    if ((await this.#startAttempt(job, attemptId, log)) === "already-copied") return "done";
    for (let refreshed = false; ; refreshed = true) {
      try {
        await this.#copy(job, attemptId, shutdown, log);
        return "done";
      } catch (err) {
        if (shutdown.aborted) {
          log.info("copy interrupted by shutdown, message released", {});
          return "released";
        }
        if (!refreshed && (await this.#keyRotated(err, log))) continue;
        return await this.#recordFailure(job, attemptId, err, log);
      }
    }
  }

  /** Records the start of an attempt, unless an earlier attempt's copy is still in place. */
  async #startAttempt(
    job: CopyJob,
    attemptId: string,
    log: Logger,
  ): Promise<"copy" | "already-copied"> {
    const d = this.#d;
    const existing = await d.status.start(job, attemptId);
    if (existing === undefined) return "copy";
    if (await this.#doneStillHolds(job, existing, log)) {
      log.info("object already copied", { dstEtag: existing.dstEtag });
      return "already-copied";
    }
    await d.status.start(job, attemptId, true);
    return "copy";
  }

  async #doneStillHolds(job: CopyJob, item: StatusItem, log: Logger): Promise<boolean> {
    const lease = this.#d.transfer.acquire();
    try {
      return await doneStillHolds(job, item, lease.deps, log);
    } finally {
      lease.release();
    }
  }

  /** One copy under the shutdown signal and JobTimeout; records and logs its success. */
  async #copy(job: CopyJob, attemptId: string, shutdown: AbortSignal, log: Logger): Promise<void> {
    const d = this.#d;
    const timed = jobSignal(shutdown, d.jobTimeoutSec);
    const lease = d.transfer.acquire();
    try {
      const result = await copyObject(job, lease.deps, {
        signal: timed.signal,
        onProgress: (p) => d.metrics.add("BytesCopied", p.bytes),
      });
      await d.status.done(job, attemptId, result);
      d.metrics.add("ObjectsCopied");
      log.info("object copied", {
        bytesMoved: result.bytesUploaded,
        partsReused: result.partsReused,
        parts: result.parts,
        checksum: result.checksum,
        durationMs: result.durationMs,
        restarts: result.restarts,
      });
    } finally {
      timed.dispose();
      lease.release();
    }
  }

  /** True when the access key was rejected and re-reading the credentials found a new one. */
  async #keyRotated(err: unknown, log: Logger): Promise<boolean> {
    if (!awsErrorIs(err, "credentials-rejected")) return false;
    if (!(await this.#d.refreshCredentials())) return false;
    log.warn("access key rejected; credentials re-read and copy retried", { error: err });
    return true;
  }

  /** Records a failed copy: for good (object), or to come back (retryable); fatal rethrows. */
  async #recordFailure(
    job: CopyJob,
    attemptId: string,
    err: unknown,
    log: Logger,
  ): Promise<"object-failed" | "retry"> {
    const d = this.#d;
    const cls = classifyAwsError(err);
    const text = err instanceof Error ? err.message : String(err);
    if (cls === "object") {
      await d.status.failed(job, attemptId, "object", text);
      d.metrics.add("ObjectsFailed");
      log.error("object failed", { error: err });
      return "object-failed";
    }
    await d.status.failed(job, attemptId, "retryable", text);
    if (cls === "fatal")
      throw err instanceof FatalError ? err : new FatalError(text, { cause: err });
    d.metrics.add("RetryableErrors");
    log.warn("object copy failed, will be retried", { error: err });
    return "retry";
  }
}
