import { GetObjectCommand } from "@aws-sdk/client-s3";
import { type CopyJob, formatJobMessage } from "@s3-migration/common";
import { MemoryBudget } from "../engine/memory/memory-budget.js";
import type { TransferDeps } from "../engine/transfer/copy-types.js";
import type { S3Send } from "../engine/transfer/s3-send.js";
import { MessageProcessor } from "../service/message-processor.js";
import { StatusStore } from "../service/status-store.js";
import { type MetricCounts, ThroughputMetrics } from "../service/throughput-metrics.js";
import { capturedLog, type LogLine } from "./captured-log.js";
import { FakeDynamoDb } from "./fake-dynamodb.js";
import { FakeS3 } from "./fake-s3.js";
import { FakeSqs } from "./fake-sqs.js";
import { MIB, testOptions } from "./transfer-fixtures.js";

/** The job the harness's messages carry unless told otherwise (status item `src/k`). */
export const JOB: CopyJob = {
  srcBucket: "src",
  srcKey: "k",
  dstBucket: "dst",
  dstKey: "k",
  size: 0,
};

/** Settings of {@link processorHarness}. */
export interface HarnessOptions {
  /** JobTimeout in seconds (0: none). @default 0 */
  readonly jobTimeoutSec?: number;
  /** @default 30 */
  readonly visibilityTimeoutSec?: number;
  /** Wraps the source bucket's `send` (to fail or hang some requests). */
  readonly source?: (fake: FakeS3) => S3Send;
  /** Wraps the destination bucket's `send`. */
  readonly destination?: (fake: FakeS3) => S3Send;
  /** Whether re-reading the credentials finds a new key. @default false */
  readonly keyRotated?: boolean;
}

/** A {@link MessageProcessor} on fakes: SQS, DynamoDB, two S3 buckets, a captured log. */
export interface ProcessorHarness {
  readonly processor: MessageProcessor;
  readonly sqs: FakeSqs;
  readonly db: FakeDynamoDb;
  readonly source: FakeS3;
  readonly destination: FakeS3;
  readonly lines: LogLine[];
  /** Times the processor re-read the credentials. */
  readonly refreshes: () => number;
  /** Flushes the metrics and returns the counts of that flush (all zero when nothing). */
  readonly metrics: () => MetricCounts;
}

/** Builds a processor whose every collaborator is an in-memory fake. */
export function processorHarness(options: HarnessOptions = {}): ProcessorHarness {
  const sqs = new FakeSqs();
  const db = new FakeDynamoDb();
  const source = new FakeS3();
  const destination = new FakeS3();
  const { logger, lines } = capturedLog();
  const metrics = new ThroughputMetrics(logger, 24 * 3600 * 1000);
  const transfer: TransferDeps = {
    source: options.source ? options.source(source) : source,
    destination: options.destination ? options.destination(destination) : destination,
    budget: new MemoryBudget(64 * MIB),
    options: testOptions(),
    logger,
  };
  let refreshes = 0;
  const processor = new MessageProcessor({
    sqs,
    queueUrl: "https://sqs.local/q",
    visibilityTimeoutSec: options.visibilityTimeoutSec ?? 30,
    status: new StatusStore(db, "status", "worker-1", false),
    transfer: { acquire: () => ({ deps: transfer, release: () => undefined }) },
    events: { desBucketDefault: "dst", desPrefixDefault: "" },
    jobTimeoutSec: options.jobTimeoutSec ?? 0,
    metrics,
    logger,
    refreshCredentials: async () => {
      refreshes++;
      return options.keyRotated ?? false;
    },
  });
  return {
    processor,
    sqs,
    db,
    source,
    destination,
    lines,
    refreshes: () => refreshes,
    metrics: () => {
      const before = lines.length;
      metrics.flush();
      const line = lines.slice(before).find((l) => l.message === "throughput");
      const zero: MetricCounts = {
        BytesCopied: 0,
        ObjectsCopied: 0,
        ObjectsFailed: 0,
        RetryableErrors: 0,
        EventsDropped: 0,
      };
      if (line === undefined) return zero;
      const n = (k: keyof MetricCounts) => Number(line[k]);
      return {
        BytesCopied: n("BytesCopied"),
        ObjectsCopied: n("ObjectsCopied"),
        ObjectsFailed: n("ObjectsFailed"),
        RetryableErrors: n("RetryableErrors"),
        EventsDropped: n("EventsDropped"),
      };
    },
  };
}

/** A job message for `key` (default {@link JOB}'s) of `size` bytes. */
export function jobBody(size: number, key = JOB.srcKey): string {
  return formatJobMessage({ ...JOB, srcKey: key, dstKey: key, size });
}

/** An AWS-shaped error, as the SDK throws it. */
export function awsError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} (test)`), {
    name,
    $metadata: { httpStatusCode: status },
  });
}

/** Wraps a fake's `send`: `fail` may throw instead (return an error) for some commands. */
export function failing(fake: FakeS3, fail: (command: unknown) => Error | undefined): S3Send {
  const send = fake.send as unknown as (c: unknown, o?: unknown) => Promise<unknown>;
  return {
    send: (async (command: unknown, options?: unknown) => {
      const err = fail(command);
      if (err) throw err;
      return send(command, options);
    }) as S3Send["send"],
  };
}

/**
 * A source whose GetObject never answers: it ends only when the copy's signal aborts (as the
 * SDK's requests do, with an `AbortError`). `getStarted` resolves once the GET was sent.
 */
export function hangingSource(): { wrap: (fake: FakeS3) => S3Send; getStarted: Promise<void> } {
  let started: () => void = () => undefined;
  const getStarted = new Promise<void>((r) => {
    started = r;
  });
  const wrap = (fake: FakeS3): S3Send => {
    const send = fake.send as unknown as (c: unknown, o?: unknown) => Promise<unknown>;
    return {
      send: (async (command: unknown, options?: { abortSignal?: AbortSignal }) => {
        if (!(command instanceof GetObjectCommand)) return send(command, options);
        started();
        return new Promise((_resolve, reject) => {
          const abort = () =>
            reject(Object.assign(new Error("Request aborted"), { name: "AbortError" }));
          if (options?.abortSignal?.aborted) abort();
          options?.abortSignal?.addEventListener("abort", abort, { once: true });
        });
      }) as S3Send["send"],
    };
  };
  return { wrap, getStarted };
}

/**
 * A source whose ranged GETs of every part but the first never answer (until aborted) while
 * `hanging()` says so; after that it answers them all.
 */
export function firstPartOnly(hanging: () => boolean = () => true): (fake: FakeS3) => S3Send {
  return (fake) => {
    const hang = hangingSource().wrap(fake);
    const send = fake.send as unknown as (c: unknown, o?: unknown) => Promise<unknown>;
    return {
      send: ((command: unknown, options?: unknown) =>
        hanging() &&
        command instanceof GetObjectCommand &&
        !/^bytes=0-/.test(command.input.Range ?? "bytes=0-")
          ? (hang.send as (c: unknown, o?: unknown) => Promise<unknown>)(command, options)
          : send(command, options)) as S3Send["send"],
    };
  };
}
