import { randomBytes } from "node:crypto";
import { GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { sqsMessage } from "../testing/fake-sqs.js";
import {
  awsError,
  failing,
  firstPartOnly,
  hangingSource,
  jobBody,
  processorHarness,
} from "../testing/processor-harness.js";
import { MIB } from "../testing/transfer-fixtures.js";

afterEach(() => {
  vi.useRealTimers();
});

/** Only the timers the processor uses; promises and I/O stay real. */
const TIMERS = ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] as const;

describe("MessageProcessor (while a copy runs)", () => {
  it("aborts a copy that runs longer than JobTimeout and makes the message come back", async () => {
    // Prepare: a GET that never answers; JobTimeout 600 s.
    vi.useFakeTimers({ toFake: [...TIMERS] });
    const hanging = hangingSource();
    const h = processorHarness({ source: hanging.wrap, jobTimeoutSec: 600 });
    h.source.putObject("k", randomBytes(10));
    let settled = false;
    // Act
    const done = h.processor
      .process(sqsMessage(jobBody(10)), new AbortController().signal)
      .then(() => {
        settled = true;
      });
    await hanging.getStarted;
    await vi.advanceTimersByTimeAsync(599_999);
    const beforeTimeout = settled;
    await vi.advanceTimersByTimeAsync(1);
    await done;
    // Assess: still running just before the timeout, then a retry (not a release, not a delete).
    expect(beforeTimeout).toBe(false);
    expect(h.sqs.settles().at(-1)).toMatchObject({
      name: "ChangeMessageVisibility",
      input: { VisibilityTimeout: 10 },
    });
    expect(h.sqs.inputs("DeleteMessage")).toEqual([]);
    expect(h.db.plain("src/k")).toMatchObject({ status: "failed", errorClass: "retryable" });
  });

  it("keeps the message invisible every third of the visibility timeout until the copy ends", async () => {
    // Prepare: visibility timeout 30 s, so a heartbeat every 10 s.
    vi.useFakeTimers({ toFake: [...TIMERS] });
    const hanging = hangingSource();
    const h = processorHarness({ source: hanging.wrap, visibilityTimeoutSec: 30 });
    h.source.putObject("k", randomBytes(10));
    const shutdown = new AbortController();
    // Act
    const done = h.processor.process(sqsMessage(jobBody(10)), shutdown.signal);
    await hanging.getStarted;
    await vi.advanceTimersByTimeAsync(35_000);
    shutdown.abort(new Error("SIGTERM"));
    await done;
    await vi.advanceTimersByTimeAsync(60_000);
    // Assess: three heartbeats of a full timeout, the release, and nothing after it.
    expect(h.sqs.settles().map((c) => c.input.VisibilityTimeout)).toEqual([30, 30, 30, 0]);
  });

  it("stops the copy before SQS's 12 hours per receive run out, keeps the upload and releases the message", async () => {
    // Prepare: a 3-part object whose parts 2 and 3 hang until the next delivery; visibility
    // 300 s, so a beat every 100 s and no extension fits after 42,900 s.
    vi.useFakeTimers({ toFake: [...TIMERS], now: Date.parse("2026-01-01T00:00:00.000Z") });
    let hanging = true;
    const h = processorHarness({
      source: firstPartOnly(() => hanging),
      visibilityTimeoutSec: 300,
    });
    const body = randomBytes(12 * MIB);
    h.source.putObject("k", body);
    let settled = false;
    const done = h.processor
      .process(sqsMessage(jobBody(body.length)), new AbortController().signal)
      .then(() => {
        settled = true;
      });
    // Act
    await vi.advanceTimersByTimeAsync(42_999_000);
    const runningBefore = !settled;
    await vi.advanceTimersByTimeAsync(1000);
    await done;
    const stopped = h.db.plain("src/k");
    hanging = false;
    await h.processor.process(sqsMessage(jobBody(body.length), 2), new AbortController().signal);
    // Assess: only full-timeout extensions SQS accepts, then the release at 43,000 s; the
    // upload and its part kept (no abort, no failure recorded), the lease given up; a warn
    // line; the next delivery resumes the upload.
    expect(runningBefore).toBe(true);
    const settles = h.sqs.settles().map((c) => [c.name, c.input.VisibilityTimeout]);
    expect(settles).toEqual([
      ...Array.from({ length: 429 }, () => ["ChangeMessageVisibility", 300]),
      ["ChangeMessageVisibility", 0],
      ["DeleteMessage", undefined],
    ]);
    expect(h.destination.commands).not.toContain("AbortMultipartUploadCommand");
    expect(stopped).toMatchObject({ partsTotal: 3, uploadId: expect.any(String) });
    expect(stopped?.status).not.toBe("failed");
    expect(stopped).not.toHaveProperty("leaseOwner");
    expect(h.lines.find((l) => l.message.startsWith("copy stopped: SQS keeps"))).toMatchObject({
      level: "warn",
      messageId: "m-1",
      srcKey: "k",
      messageAgeSec: 43_000,
      visibilityTimeoutSec: 300,
    });
    expect(h.lines.find((l) => l.message === "object copied")).toMatchObject({ partsReused: 1 });
    expect(h.db.plain("src/k")).toMatchObject({ status: "done", uploadId: stopped?.uploadId });
    expect(h.destination.objects.get("k")?.body.equals(body)).toBe(true);
  });

  it("copies again with the re-read key when the access key was rejected and has rotated", async () => {
    // Prepare: the first GET is refused with InvalidAccessKeyId; the key has changed since.
    let refusals = 1;
    const h = processorHarness({
      keyRotated: true,
      source: (fake) =>
        failing(fake, (c) =>
          c instanceof GetObjectCommand && refusals-- > 0
            ? awsError("InvalidAccessKeyId", 403)
            : undefined,
        ),
    });
    const body = randomBytes(100);
    h.source.putObject("k", body);
    // Act
    await h.processor.process(sqsMessage(jobBody(100)), new AbortController().signal);
    // Assess
    expect(h.refreshes()).toBe(1);
    expect(h.sqs.settles().map((c) => c.name)).toEqual(["DeleteMessage"]);
    expect(h.destination.objects.get("k")?.body.equals(body)).toBe(true);
    expect(
      h.lines.find(
        (l) => l.message === "access key rejected; credentials re-read and copy retried",
      ),
    ).toMatchObject({ level: "warn", error: { cause: { name: "InvalidAccessKeyId" } } });
  });
});

describe("MessageProcessor (duplicate deliveries)", () => {
  it("deletes a second delivery of a copied object after two HEADs, without copying it again", async () => {
    // Prepare: the first delivery copies the object.
    const h = processorHarness();
    h.source.putObject("k", randomBytes(100));
    await h.processor.process(sqsMessage(jobBody(100)), new AbortController().signal);
    const sourceSeen = h.source.commands.length;
    const destinationSeen = h.destination.commands.length;
    // Act
    await h.processor.process(sqsMessage(jobBody(100), 1, "m-2"), new AbortController().signal);
    // Assess
    expect(h.source.commands.slice(sourceSeen)).toEqual(["HeadObjectCommand"]);
    expect(h.destination.commands.slice(destinationSeen)).toEqual(["HeadObjectCommand"]);
    expect(h.sqs.settles().map((c) => [c.name, c.input.ReceiptHandle])).toEqual([
      ["DeleteMessage", "receipt-m-1"],
      ["DeleteMessage", "receipt-m-2"],
    ]);
    expect(h.db.plain("src/k")).toMatchObject({ status: "done", attempts: 1 });
    expect(h.lines.find((l) => l.message === "object already copied")?.messageId).toBe("m-2");
  });

  it.each([
    ["the destination object is gone (404)", "debug", undefined],
    ["the destination answers 503", "warn", awsError("ServiceUnavailable", 503)],
  ])("copies again when %s, logging the failed check at %s", async (_what, level, headError) => {
    // Prepare: a copied object whose duplicate check then fails.
    let checkFails = false;
    const h = processorHarness({
      destination: (fake) =>
        failing(fake, (c) =>
          c instanceof HeadObjectCommand && checkFails ? headError : undefined,
        ),
    });
    const body = randomBytes(100);
    h.source.putObject("k", body);
    await h.processor.process(sqsMessage(jobBody(100)), new AbortController().signal);
    checkFails = true;
    if (headError === undefined) h.destination.objects.delete("k");
    // Act
    await h.processor.process(sqsMessage(jobBody(100), 1, "m-2"), new AbortController().signal);
    // Assess
    expect(
      h.lines.find((l) => l.message === "duplicate check failed, copying again"),
    ).toMatchObject({ level, messageId: "m-2", error: { name: headError?.name ?? "NoSuchKey" } });
    expect(h.db.plain("src/k")).toMatchObject({ status: "done", attempts: 2 });
    expect(h.destination.objects.get("k")?.body.equals(body)).toBe(true);
    expect(h.sqs.settles().map((c) => c.name)).toEqual(["DeleteMessage", "DeleteMessage"]);
  });
});
