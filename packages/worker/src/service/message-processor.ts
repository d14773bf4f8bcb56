import { randomUUID } from "node:crypto";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
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
} from "@s3-migration/common";
import { copyObject } from "../engine/copy-object.js";
import { unquote } from "../engine/hashing/checksums.js";
import type { TransferDeps } from "../engine/transfer/copy-types.js";
import { type SqsSend, setVisibility, startHeartbeat } from "./heartbeat.js";
import type { StatusItem, StatusStore } from "./status-store.js";
import type { ThroughputMetrics } from "./throughput-metrics.js";

/** What the processor needs; `transfer()` is read per job so rotated credentials take effect. */
export interface ProcessorDeps {
  readonly sqs: SqsSend;
  readonly queueUrl: string;
  readonly visibilityTimeoutSec: number;
  readonly status: StatusStore;
  readonly transfer: () => TransferDeps;
  readonly events: EventDestination;
  readonly jobTimeoutSec: number;
  readonly metrics: ThroughputMetrics;
  readonly logger: Logger;
  /** Re-reads the access-key side's credentials; true when they changed (key rotated). */
  readonly refreshCredentials: () => Promise<boolean>;
}

type JobOutcome = "done" | "object-failed" | "retry" | "released";

/** An S3 event record the parser could not read (its index and error). */
type RejectedRecord = NonNullable<Extract<ParsedMessage, { kind: "jobs" }>["rejected"]>[number];

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
    if (await this.#alreadyCopied(job, existing, log)) {
      log.info("object already copied", { dstEtag: existing.dstEtag });
      return "already-copied";
    }
    await d.status.start(job, attemptId, true);
    return "copy";
  }

  /** One copy under the shutdown signal and JobTimeout; records and logs its success. */
  async #copy(job: CopyJob, attemptId: string, shutdown: AbortSignal, log: Logger): Promise<void> {
    const d = this.#d;
    const timed = jobSignal(shutdown, d.jobTimeoutSec);
    try {
      const result = await copyObject(job, d.transfer(), {
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

  /**
   * True when a previous attempt's `done` still holds: the source is the version it copied and
   * the destination is the object it wrote (a duplicate delivery then costs two HEADs). When
   * the HEADs fail the object is copied again (resuming any upload): an object that is gone
   * (the destination deleted since) is logged at debug, anything else at warn.
   */
  async #alreadyCopied(job: CopyJob, item: StatusItem, log: Logger): Promise<boolean> {
    if (item.dstEtag === undefined || item.sourceEtag === undefined) return false;
    const { source, destination } = this.#d.transfer();
    try {
      const [src, dst] = await Promise.all([
        source.send(new HeadObjectCommand({ Bucket: job.srcBucket, Key: job.srcKey })),
        destination.send(new HeadObjectCommand({ Bucket: job.dstBucket, Key: job.dstKey })),
      ]);
      return (
        unquote(src.ETag) === item.sourceEtag &&
        dst.ContentLength === src.ContentLength &&
        unquote(dst.ETag) === item.dstEtag
      );
    } catch (err) {
      const level = classifyAwsError(err) === "object" ? "debug" : "warn";
      log.log(level, "duplicate check failed, copying again", { error: err });
      return false;
    }
  }
}

/**
 * The signal of one copy: aborted on shutdown, or after `timeoutSec` (JobTimeout; 0 = none)
 * with a `TimeoutError`, as `AbortSignal.timeout` would, but on a plain timer that is cleared
 * when the copy ends (and that tests can drive with fake timers).
 */
function jobSignal(
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

function receiveCount(message: Message): number {
  return Number(message.Attributes?.ApproximateReceiveCount ?? "1");
}

/** Backoff before a failed message comes back: 10 s, 20 s, 40 s … at most 15 minutes. */
export function retryDelaySec(receiveCount: number): number {
  return Math.min(900, 10 * 2 ** Math.max(0, receiveCount - 1));
}
