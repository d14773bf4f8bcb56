import { GetObjectCommand } from "@aws-sdk/client-s3";
import type { Message } from "@aws-sdk/client-sqs";
import { createLogger, type Logger } from "@s3-migration/common";
import {
  MemoryBudget,
  MessageProcessor,
  PollLoop,
  SqsBatcher,
  StatusStore,
  ThroughputMetrics,
  type TransferDeps,
  transferOptionsFromConfig,
} from "@s3-migration/worker";
import { localConfig } from "./local-stack.js";
import type { WorkerFixture } from "./worker-fixture.js";

/** The logger of the loops run in the test process (errors only). */
export const loopLogger: Logger = createLogger({ service: "test", level: "error" });

/** A processor and a loop over the fixture's queue, in this process. */
export function loopOver(
  f: WorkerFixture,
  vt: number,
  transfer: TransferDeps,
  dynamodb = f.clients.dynamodb,
) {
  const processor = new MessageProcessor({
    settle: new SqsBatcher({ sqs: f.clients.sqs, queueUrl: f.queueUrl, logger: loopLogger }),
    sqs: f.clients.sqs,
    queueUrl: f.queueUrl,
    visibilityTimeoutSec: vt,
    status: new StatusStore(dynamodb, f.name, "test-worker", false),
    transfer: { acquire: () => ({ deps: transfer, release: () => undefined }) },
    events: { desBucketDefault: f.dstBucket, desPrefixDefault: "" },
    jobTimeoutSec: 0,
    metrics: new ThroughputMetrics(loopLogger),
    logger: loopLogger,
    refreshCredentials: async () => false,
  });
  const processed: string[] = [];
  const counting = {
    process: (m: Message, s: AbortSignal) => {
      processed.push(m.MessageId ?? "");
      return processor.process(m, s);
    },
  };
  const loop = new PollLoop({
    sqs: f.clients.sqs,
    queueUrl: f.queueUrl,
    processor: counting,
    logger: loopLogger,
    maxMessages: 4,
    waitSeconds: 1,
    untilIdleSec: 2,
  });
  return { loop, processed };
}

/** The fixture's source client, with every GetObject delayed by `ms` (a slow copy). */
export function slowReads(f: WorkerFixture, ms: number): TransferDeps["source"] {
  const send = f.clients.sourceS3.send as (c: unknown, o?: unknown) => Promise<unknown>;
  return {
    send: (async (command: unknown, options?: unknown) => {
      if (command instanceof GetObjectCommand) await new Promise((r) => setTimeout(r, ms));
      return send.call(f.clients.sourceS3, command, options);
    }) as TransferDeps["source"]["send"],
  };
}

/** The engine's deps over the fixture's buckets, one part at a time. */
export function transferFor(
  f: WorkerFixture,
  source: TransferDeps["source"] = f.clients.sourceS3,
): TransferDeps {
  const config = localConfig();
  return {
    source,
    destination: f.clients.destinationS3,
    budget: new MemoryBudget(config.memoryBudgetBytes),
    options: { ...transferOptionsFromConfig(config), maxThread: 1 },
    logger: loopLogger,
  };
}
