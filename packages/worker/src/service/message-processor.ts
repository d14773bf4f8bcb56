import { randomUUID } from "node:crypto";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { DeleteMessageCommand, type Message } from "@aws-sdk/client-sqs";
import {
  type CopyJob,
  classifyAwsError,
  type EventDestination,
  FatalError,
  type Logger,
  MessageError,
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

/** Answers that mean the stored access key is wrong or outdated. */
const CREDENTIAL_ERRORS = new Set(["InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken"]);

/**
 * Handles one queue message end to end: parse, copy every object it names (one for a jobsender
 * job, one per record for an S3 event) while a heartbeat keeps the message invisible, record
 * each outcome, then settle the message: delete it (copied, or failed for good), make it come
 * back after a backoff (retryable failure), or release it at once (shutdown). A message that
 * cannot be parsed is logged and left alone, so the queue's redrive policy moves it to the DLQ.
 * A fatal error is rethrown after the message is released.
 */
export class MessageProcessor {
  readonly #d: ProcessorDeps;

  constructor(deps: ProcessorDeps) {
    this.#d = deps;
  }

  async process(message: Message, shutdown: AbortSignal): Promise<void> {
    const d = this.#d;
    const log = d.logger.child({ messageId: message.MessageId });
    const receipt = message.ReceiptHandle ?? "";
    let parsed: ReturnType<typeof parseJobMessage>;
    try {
      parsed = parseJobMessage(message.Body ?? "", d.events);
    } catch (err) {
      if (!(err instanceof MessageError)) throw err;
      log.error("message not understood, left for the dead-letter queue", {
        error: err,
        receiveCount: receiveCount(message),
      });
      return;
    }
    if (parsed.kind === "ignore") {
      log.info("message ignored", { reason: parsed.reason });
      await d.sqs.send(new DeleteMessageCommand({ QueueUrl: d.queueUrl, ReceiptHandle: receipt }));
      return;
    }
    const stopHeartbeat = startHeartbeat(d.sqs, d.queueUrl, receipt, d.visibilityTimeoutSec, log);
    const outcomes: JobOutcome[] = [];
    try {
      for (const job of parsed.jobs) {
        if (shutdown.aborted) outcomes.push("released");
        else outcomes.push(await this.#runJob(job, shutdown, log));
      }
    } catch (err) {
      stopHeartbeat();
      await setVisibility(d.sqs, d.queueUrl, receipt, 0).catch(() => undefined);
      throw err;
    } finally {
      stopHeartbeat();
    }
    if (outcomes.includes("released")) {
      await setVisibility(d.sqs, d.queueUrl, receipt, 0);
    } else if (outcomes.includes("retry")) {
      await setVisibility(d.sqs, d.queueUrl, receipt, retryDelaySec(receiveCount(message)));
    } else {
      await d.sqs.send(new DeleteMessageCommand({ QueueUrl: d.queueUrl, ReceiptHandle: receipt }));
    }
  }

  async #runJob(job: CopyJob, shutdown: AbortSignal, parentLog: Logger): Promise<JobOutcome> {
    const d = this.#d;
    const log = parentLog.child({
      srcBucket: job.srcBucket,
      srcKey: job.srcKey,
      dstBucket: job.dstBucket,
      dstKey: job.dstKey,
      sizeBytes: job.size,
    });
    const attemptId = randomUUID();
    const existing = await d.status.start(job, attemptId);
    if (existing !== undefined) {
      if (await this.#alreadyCopied(job, existing)) {
        log.info("object already copied", { dstEtag: existing.dstEtag });
        return "done";
      }
      await d.status.start(job, attemptId, true);
    }
    for (let refreshed = false; ; refreshed = true) {
      const signal =
        d.jobTimeoutSec > 0
          ? AbortSignal.any([shutdown, AbortSignal.timeout(d.jobTimeoutSec * 1000)])
          : shutdown;
      try {
        const result = await copyObject(job, d.transfer(), {
          signal,
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
        return "done";
      } catch (err) {
        if (shutdown.aborted) {
          log.info("copy interrupted by shutdown, message released", {});
          return "released";
        }
        const cls = classifyAwsError(err);
        const causeName = (err as { cause?: { name?: string } }).cause?.name ?? "";
        if (cls === "fatal" && CREDENTIAL_ERRORS.has(causeName) && !refreshed) {
          if (await d.refreshCredentials()) {
            log.warn("access key rejected; credentials re-read and copy retried", {
              errorName: causeName,
            });
            continue;
          }
        }
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
  }

  /**
   * True when a previous attempt's `done` still holds: the source is the version it copied and
   * the destination is the object it wrote (a duplicate delivery then costs two HEADs).
   */
  async #alreadyCopied(job: CopyJob, item: StatusItem): Promise<boolean> {
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
    } catch {
      return false;
    }
  }
}

function receiveCount(message: Message): number {
  return Number(message.Attributes?.ApproximateReceiveCount ?? "1");
}

/** Backoff before a failed message comes back: 10 s, 20 s, 40 s … at most 15 minutes. */
export function retryDelaySec(receiveCount: number): number {
  return Math.min(900, 10 * 2 ** Math.max(0, receiveCount - 1));
}
