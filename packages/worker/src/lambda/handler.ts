/**
 * The Lambda worker: an SQS event source mapping hands it a batch of queue messages, and it
 * copies them with the same engine, scheduler, ledger and status writes as a fleet worker
 * (`MessageProcessor`). It answers with a partial batch response (`ReportBatchItemFailures`):
 * messages copied or failed for good are successes (Lambda deletes them); the others stay in
 * the queue (see `batch-settle.ts`). Copies still running when the invocation's time runs out
 * (its remaining time minus a margin) stop cleanly: their uploads and ledger entries stay, their
 * leases are given up and their messages made visible at once, so a later invocation resumes
 * them from the parts already at the destination.
 */
import type { MessageProcessor } from "../service/message-processor.js";
import { workerProcessor } from "../service/worker-processor.js";
import { BatchSettle } from "./batch-settle.js";
import { type LambdaRuntime, startRuntime } from "./lambda-runtime.js";
import {
  checkSqsEvent,
  type LambdaContext,
  messageOf,
  type SqsBatchResponse,
} from "./sqs-event.js";

/** Time kept back at the end of an invocation to stop copies and settle their messages. */
export const DEFAULT_MARGIN_MS = 10_000;

let runtime: Promise<LambdaRuntime> | undefined;

/** The runtime of this execution environment, built once; a failed start is tried again. */
function sharedRuntime(env: NodeJS.ProcessEnv): Promise<LambdaRuntime> {
  runtime ??= startRuntime(env).catch((err: unknown) => {
    runtime = undefined;
    throw err;
  });
  return runtime;
}

/** The Lambda entry point (`handler` of `worker-lambda.mjs`). */
export async function handler(event: unknown, context: LambdaContext): Promise<SqsBatchResponse> {
  const margin = Number(process.env.S3MIG_LAMBDA_MARGIN_MS ?? DEFAULT_MARGIN_MS);
  return handleBatch(await sharedRuntime(process.env), event, context, margin);
}

/**
 * Copies one batch: every message at once (the connection cap and memory budget share the
 * work), stopped at `remaining − marginMs`.
 */
export async function handleBatch(
  rt: LambdaRuntime,
  event: unknown,
  context: LambdaContext,
  marginMs = DEFAULT_MARGIN_MS,
): Promise<SqsBatchResponse> {
  const { Records } = checkSqsEvent(event);
  const deadline = new AbortController();
  const timeLeft = Math.max(0, context.getRemainingTimeInMillis() - marginMs);
  const timer = setTimeout(
    () => deadline.abort(new DOMException("the invocation's time ran out", "TimeoutError")),
    timeLeft,
  );
  const settle = new BatchSettle(rt.clients.sqs, rt.queue.queueUrl);
  const processor = processorFor(rt, settle);
  try {
    const ended = await Promise.allSettled(
      Records.map((record) => processor.process(messageOf(record), deadline.signal)),
    );
    ended.forEach((end, i) => {
      if (end.status === "rejected") {
        rt.logger.error("message failed", { messageId: Records[i]?.messageId, error: end.reason });
      }
    });
    return {
      batchItemFailures: Records.filter((r) => !settle.succeeded(r.receiptHandle)).map((r) => ({
        itemIdentifier: r.messageId,
      })),
    };
  } finally {
    clearTimeout(timer);
    rt.metrics.flush();
  }
}

function processorFor(rt: LambdaRuntime, settle: BatchSettle): MessageProcessor {
  return workerProcessor(rt.config, rt.clients, rt.queue, {
    settle,
    status: rt.status,
    transfer: rt.transfer,
    events: rt.events,
    metrics: rt.metrics,
    logger: rt.logger,
    refreshCredentials: rt.refreshCredentials,
  });
}
