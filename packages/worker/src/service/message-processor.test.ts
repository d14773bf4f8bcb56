import { randomBytes } from "node:crypto";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { FatalError } from "@s3-migration/common";
import { describe, expect, it } from "vitest";
import { sqsMessage } from "../testing/fake-sqs.js";
import {
  awsError,
  failing,
  hangingSource,
  jobBody,
  processorHarness,
} from "../testing/processor-harness.js";
import { retryDelaySec } from "./job-timing.js";

const QUEUE = "https://sqs.local/q";

describe("MessageProcessor", () => {
  it("deletes the message when the object was copied", async () => {
    // Prepare
    const h = processorHarness();
    const body = randomBytes(1000);
    h.source.putObject("k", body);
    // Act
    await h.processor.process(sqsMessage(jobBody(body.length)), new AbortController().signal);
    // Assess
    expect(h.sqs.settles()).toEqual([
      { name: "DeleteMessage", input: { QueueUrl: QUEUE, ReceiptHandle: "receipt-m-1" } },
    ]);
    expect(h.destination.objects.get("k")?.body.equals(body)).toBe(true);
    expect(h.db.plain("src/k")).toMatchObject({ status: "done", attempts: 1, bytesMoved: 1000 });
    expect(h.metrics()).toMatchObject({ ObjectsCopied: 1, BytesCopied: 1000, ObjectsFailed: 0 });
    expect(h.lines.find((l) => l.message === "object copied")).toMatchObject({
      messageId: "m-1",
      srcKey: "k",
      bytesMoved: 1000,
    });
  });

  it("records the object as failed and deletes the message when the source object is missing", async () => {
    // Prepare: nothing in the source bucket.
    const h = processorHarness();
    // Act
    await h.processor.process(sqsMessage(jobBody(10)), new AbortController().signal);
    // Assess
    expect(h.sqs.settles().map((c) => c.name)).toEqual(["DeleteMessage"]);
    expect(h.db.plain("src/k")).toMatchObject({ status: "failed", errorClass: "object" });
    expect(h.metrics()).toMatchObject({ ObjectsFailed: 1, ObjectsCopied: 0 });
    const failed = h.lines.find((l) => l.message === "object failed");
    expect(failed).toMatchObject({ level: "error", error: { name: "ObjectError" } });
  });

  it.each([
    [1, 10],
    [3, 40],
  ])(
    "makes the message come back after a backoff when the copy fails retryably (receive %i → %i s)",
    async (receiveCount, delay) => {
      // Prepare: every GET answers 503.
      const h = processorHarness({
        source: (fake) =>
          failing(fake, (c) =>
            c instanceof GetObjectCommand ? awsError("ServiceUnavailable", 503) : undefined,
          ),
      });
      h.source.putObject("k", randomBytes(10));
      // Act
      await h.processor.process(
        sqsMessage(jobBody(10), receiveCount),
        new AbortController().signal,
      );
      // Assess
      expect(h.sqs.settles()).toEqual([
        {
          name: "ChangeMessageVisibility",
          input: { QueueUrl: QUEUE, ReceiptHandle: "receipt-m-1", VisibilityTimeout: delay },
        },
      ]);
      expect(h.db.plain("src/k")).toMatchObject({ status: "failed", errorClass: "retryable" });
      expect(h.metrics()).toMatchObject({ RetryableErrors: 1, ObjectsFailed: 0 });
      expect(h.lines.find((l) => l.message === "object copy failed, will be retried")?.level).toBe(
        "warn",
      );
    },
  );

  it("releases the message at once (visibility 0) when shutdown aborts the copy", async () => {
    // Prepare: a GET that never answers.
    const hanging = hangingSource();
    const h = processorHarness({ source: hanging.wrap });
    h.source.putObject("k", randomBytes(10));
    const shutdown = new AbortController();
    // Act
    const done = h.processor.process(sqsMessage(jobBody(10)), shutdown.signal);
    await hanging.getStarted;
    shutdown.abort(new Error("SIGTERM"));
    await done;
    // Assess: released with the object's lease, and the attempt is not recorded as a failure.
    expect(h.sqs.settles().map((c) => [c.name, c.input.VisibilityTimeout])).toEqual([
      ["ChangeMessageVisibility", 0],
    ]);
    expect(h.db.plain("src/k")).toMatchObject({ status: "running" });
    expect(h.db.plain("src/k")).not.toHaveProperty("leaseOwner");
    expect(h.db.plain("src/k")).not.toHaveProperty("leaseExpires");
    expect(h.metrics()).toMatchObject({ RetryableErrors: 0, ObjectsFailed: 0 });
  });

  it("releases the message and rethrows when the copy fails fatally", async () => {
    // Prepare: the access key is rejected and re-reading the credentials finds the same one.
    const h = processorHarness({
      source: (fake) => failing(fake, () => awsError("InvalidAccessKeyId", 403)),
    });
    // Act
    const processing = h.processor.process(sqsMessage(jobBody(10)), new AbortController().signal);
    // Assess
    await expect(processing).rejects.toBeInstanceOf(FatalError);
    expect(h.sqs.settles().map((c) => [c.name, c.input.VisibilityTimeout])).toEqual([
      ["ChangeMessageVisibility", 0],
    ]);
    expect(h.refreshes()).toBe(1);
  });

  it("leaves a message it does not understand alone, so the redrive policy moves it to the DLQ", async () => {
    // Prepare
    const h = processorHarness();
    // Act
    await h.processor.process(sqsMessage("this is not a job", 2), new AbortController().signal);
    // Assess: no delete, no visibility change.
    expect(h.sqs.commands).toEqual([]);
    expect(h.lines).toMatchObject([
      {
        level: "error",
        message: "message not understood, left for the dead-letter queue",
        receiveCount: 2,
        error: { name: "MessageError" },
      },
    ]);
  });

  it("deletes an ignored message (the S3 test event)", async () => {
    // Prepare
    const h = processorHarness();
    const body = JSON.stringify({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: "src" });
    // Act
    await h.processor.process(sqsMessage(body), new AbortController().signal);
    // Assess
    expect(h.sqs.settles().map((c) => c.name)).toEqual(["DeleteMessage"]);
    expect(h.lines.find((l) => l.message === "message ignored")?.reason).toBe("s3:TestEvent");
  });

  it("copies the good records of an event, reports the bad one and deletes the message", async () => {
    // Prepare: three creations; record 1 has a key that is not URL encoding.
    const h = processorHarness();
    for (const key of ["a", "c"]) h.source.putObject(key, randomBytes(5));
    const records = ["a", "bad%E0%A4%A", "c"].map((key) => ({
      eventName: "ObjectCreated:Put",
      s3: { bucket: { name: "src" }, object: { key, size: 5 } },
    }));
    // Act
    await h.processor.process(
      sqsMessage(JSON.stringify({ Records: records })),
      new AbortController().signal,
    );
    // Assess
    expect([...h.destination.objects.keys()].sort()).toEqual(["a", "c"]);
    expect(h.sqs.settles().map((c) => c.name)).toEqual(["DeleteMessage"]);
    expect(h.lines.filter((l) => l.level === "error")).toMatchObject([
      {
        message: "event record not understood",
        recordIndex: 1,
        error: { name: "MessageError", message: expect.stringMatching(/Records\[1\].*URL/) },
      },
    ]);
    expect(h.metrics()).toMatchObject({ ObjectsCopied: 2, ObjectsFailed: 1 });
  });

  it("makes an event come back when one good record fails retryably, though others copied", async () => {
    // Prepare: record "b" answers 503.
    const h = processorHarness({
      source: (fake) =>
        failing(fake, (c) =>
          c instanceof GetObjectCommand && c.input.Key === "b"
            ? awsError("SlowDown", 503)
            : undefined,
        ),
    });
    for (const key of ["a", "b"]) h.source.putObject(key, randomBytes(5));
    const records = ["a", "b"].map((key) => ({
      eventName: "ObjectCreated:Put",
      s3: { bucket: { name: "src" }, object: { key, size: 5 } },
    }));
    // Act
    await h.processor.process(
      sqsMessage(JSON.stringify({ Records: records })),
      new AbortController().signal,
    );
    // Assess
    expect(h.sqs.settles().map((c) => [c.name, c.input.VisibilityTimeout])).toEqual([
      ["ChangeMessageVisibility", 10],
    ]);
    expect(h.db.plain("src/a")?.status).toBe("done");
  });
});

describe("retryDelaySec", () => {
  it.each([
    [0, 10],
    [1, 10],
    [2, 20],
    [3, 40],
    [7, 640],
    [8, 900],
    [100, 900],
  ])("waits after receive %i for %i s (doubling from 10 s, at most 15 min)", (count, delay) => {
    expect(retryDelaySec(count)).toBe(delay);
  });
});
