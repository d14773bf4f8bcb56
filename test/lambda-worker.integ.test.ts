import { createHash } from "node:crypto";
import { type Message, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { type CopyJob, destroyClients } from "@s3-migration/common";
import { handleBatch, type LambdaRuntime, type SqsEvent, startRuntime } from "@s3-migration/worker";
import { afterAll, describe, expect, it, vi } from "vitest";
import { bytes, get, MIB, put } from "./support/engine.js";
import { gate } from "./support/gates.js";
import { accessKeyCredentials, type ProxyHooks, startProxy } from "./support/http-proxy.js";
import { LOCAL_INI, readStackEnv } from "./support/local-stack.js";
import { overridesEnv, type WorkerFixture, workerFixture } from "./support/worker-fixture.js";

/**
 * The Lambda worker (issue 17), run in this process as Lambda would run it: real queue
 * messages received from fauxqs handed over as an SQS event, copies against the local stack,
 * the partial batch response checked. The other side's key comes from an environment variable
 * (`env:` reference), as a Lambda function's can.
 */
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const PART = 5 * MIB;

/** A fixture and a Lambda runtime on it; the destination goes through a proxy with `hooks`. */
async function lambdaOn(prefix: string, hooks: ProxyHooks = {}) {
  const f = await workerFixture(prefix, { visibilityTimeoutSec: 30, maxReceiveCount: 5 });
  const proxy = await startProxy(accessKeyCredentials().endpoint ?? "", hooks);
  const env = {
    ...process.env,
    ...readStackEnv(),
    S3MIG_CONFIG_FILE: LOCAL_INI,
    ...overridesEnv({
      table_queue_name: f.name,
      Des_bucket_default: f.dstBucket,
      LoggingLevel: "ERROR",
      ssm_parameter_credentials: "env:LAMBDA_TEST_CREDENTIALS",
    }),
    LAMBDA_TEST_CREDENTIALS: JSON.stringify({ ...accessKeyCredentials(), endpoint: proxy.url }),
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512",
  };
  const rt = await startRuntime(env);
  cleanups.push(async () => {
    rt.metrics.close();
    rt.transfer.close();
    destroyClients(rt.clients);
    await proxy.close();
    await f.cleanup();
  });
  return { f, rt, proxy };
}

/** Objects in the source and their jobs. */
async function seed(f: WorkerFixture, sizes: Record<string, number>) {
  const bodies = new Map<string, Buffer>();
  const jobs: CopyJob[] = [];
  for (const [key, size] of Object.entries(sizes)) {
    const body = bytes(size);
    await put(f.clients.sourceS3, f.srcBucket, key, body);
    bodies.set(key, body);
    jobs.push({ srcBucket: f.srcBucket, srcKey: key, dstBucket: f.dstBucket, dstKey: key, size });
  }
  return { bodies, jobs };
}

/** Receives `count` messages and makes them the SQS event an event source mapping would send. */
async function eventOf(rt: LambdaRuntime, count: number): Promise<SqsEvent> {
  const messages: Message[] = [];
  await vi.waitFor(
    async () => {
      const out = await rt.clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: rt.queue.queueUrl,
          MaxNumberOfMessages: Math.min(10, count - messages.length),
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ["ApproximateReceiveCount"],
        }),
      );
      messages.push(...(out.Messages ?? []));
      expect(messages.length).toBe(count);
    },
    { timeout: 30_000, interval: 10 },
  );
  return {
    Records: messages.map((m) => ({
      messageId: m.MessageId ?? "",
      receiptHandle: m.ReceiptHandle ?? "",
      body: m.Body ?? "",
      attributes: { ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? "1" },
    })),
  };
}

const minutes = (n: number) => ({ getRemainingTimeInMillis: () => n * 60_000 });

async function expectSame(f: WorkerFixture, bodies: Map<string, Buffer>) {
  for (const [key, body] of bodies) {
    expect(sha(await get(f.clients.destinationS3, f.dstBucket, key))).toBe(sha(body));
  }
}

async function statusOf(f: WorkerFixture, key: string) {
  const items = await f.statusItems();
  return items.find((i) => i.srcKey?.S === key);
}

describe("the Lambda worker", () => {
  it("copies a batch of small and large objects and reports no failure", async () => {
    // Prepare: three single-PUT objects and one of three parts.
    const { f, rt } = await lambdaOn("lambda-batch");
    const sizes = { "s/1": 64 * 1024, "s/2": 1, "s/3": 300 * 1024, "big.bin": 2 * PART + 7 };
    const { bodies, jobs } = await seed(f, sizes);
    await f.sendJobs(jobs);
    // Act
    const response = await handleBatch(rt, await eventOf(rt, 4), minutes(15));
    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    await expectSame(f, bodies);
    for (const key of Object.keys(sizes)) {
      expect((await statusOf(f, key))?.status?.S).toBe("done");
    }
  }, 120_000);

  it("reports only the message it cannot read as failed", async () => {
    // Prepare
    const { f, rt } = await lambdaOn("lambda-bad");
    const { bodies, jobs } = await seed(f, { "a.txt": 10, "b.txt": 20 });
    await f.sendJobs(jobs);
    await f.sendBodies(["this is not a job"]);
    const event = await eventOf(rt, 3);
    const bad = event.Records.find((r) => r.body === "this is not a job");
    // Act
    const response = await handleBatch(rt, event, minutes(15));
    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: bad?.messageId }] });
    await expectSame(f, bodies);
  }, 120_000);

  it("stops a copy the invocation's time cannot finish; a later invocation resumes its parts", async () => {
    // Prepare: six parts; the destination takes parts 1 and 2 and holds every other part the
    // first invocation sends for good (the second invocation's go through).
    const firstEnded = gate();
    const forever = new Promise<void>(() => {});
    const accepted: number[] = [];
    const { f, rt } = await lambdaOn("lambda-deadline", {
      before: ({ operation, url }) => {
        const pn = Number(new URL(url, "http://x").searchParams.get("partNumber"));
        if (operation === "UploadPart" && pn >= 3 && !firstEnded.isOpen) return forever;
      },
      after: ({ operation, url }, status) => {
        if (operation === "UploadPart" && status === 200) {
          accepted.push(Number(new URL(url, "http://x").searchParams.get("partNumber")));
        }
      },
    });
    const { bodies, jobs } = await seed(f, { "giant.bin": 5 * PART + 5 });
    await f.sendJobs(jobs);
    const event = await eventOf(rt, 1);
    // Act: 8 s left, no margin: the copy stops with parts 1 and 2 in the upload.
    const first = await handleBatch(rt, event, { getRemainingTimeInMillis: () => 8_000 }, 0);
    const afterFirst = [...accepted].sort();
    firstEnded.open();
    const second = await handleBatch(rt, await eventOf(rt, 1), minutes(15));
    // Assess
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId }] });
    expect(afterFirst).toEqual([1, 2]);
    expect(second).toEqual({ batchItemFailures: [] });
    await expectSame(f, bodies);
    const item = await statusOf(f, "giant.bin");
    expect(item?.status?.S).toBe("done");
    expect(item?.partsReused?.N).toBe("2");
  }, 120_000);
});
