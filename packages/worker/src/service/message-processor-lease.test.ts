import { randomBytes } from "node:crypto";
import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { UploadPartCommand } from "@aws-sdk/client-s3";
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
const T0 = Date.parse("2026-01-01T12:00:00.000Z");
const never = new AbortController().signal;

/** The item of `src/k` as another attempt, holding the object until `leaseExpires`, leaves it. */
function heldBy(owner: string, leaseExpires: number) {
  return { status: "running", lastAttempt: owner, leaseOwner: owner, leaseExpires, attempts: 1 };
}

describe("MessageProcessor (the object's lease)", () => {
  it("returns its own message, re-delivered, for the rest of the lease plus 5 s, writing nothing", async () => {
    // Prepare: an attempt on this same message (m-1) holds the object 20 more seconds: it
    // stopped renewing (frozen or gone), so this delivery takes over once the lease ends.
    vi.useFakeTimers({ toFake: [...TIMERS] });
    vi.setSystemTime(T0);
    const h = processorHarness();
    h.source.putObject("k", randomBytes(10));
    h.db.patch("src/k", heldBy("m-1/attempt-earlier", T0 + 20_000));
    const before = structuredClone(h.db.items.get("src/k"));
    // Act
    await h.processor.process(sqsMessage(jobBody(10), 2, "m-1"), never);
    // Assess
    expect(h.sqs.settles()).toMatchObject([
      { name: "ChangeMessageVisibility", input: { VisibilityTimeout: 25 } },
    ]);
    expect(h.db.items.get("src/k")).toEqual(before);
    expect(h.source.commands).toEqual([]);
    expect(
      h.lines.find(
        (l) => l.message === "object being copied by another attempt, message returned for later",
      ),
    ).toMatchObject({
      level: "info",
      delaySec: 25,
      duplicate: false,
      leaseExpires: "2026-01-01T12:00:20.000Z",
    });
  });

  it.each([
    [1, 300],
    [2, 600],
    [5, 4800],
    [24, 43_200],
  ])(
    "returns a duplicate message (receive %i) for %i s, so it outlasts a long copy without reaching the DLQ",
    async (receives, seconds) => {
      // Prepare: another message's attempt holds the object 20 more seconds; the queue's
      // visibility timeout is the stack's 5 minutes.
      vi.useFakeTimers({ toFake: [...TIMERS] });
      vi.setSystemTime(T0);
      const h = processorHarness({ visibilityTimeoutSec: 300 });
      h.source.putObject("k", randomBytes(10));
      h.db.patch("src/k", heldBy("m-other/attempt", T0 + 20_000));
      const before = structuredClone(h.db.items.get("src/k"));
      // Act
      await h.processor.process(sqsMessage(jobBody(10), receives, "m-2"), never);
      // Assess
      expect(h.sqs.settles()).toMatchObject([
        { name: "ChangeMessageVisibility", input: { VisibilityTimeout: seconds } },
      ]);
      expect(h.db.items.get("src/k")).toEqual(before);
      expect(h.source.commands).toEqual([]);
    },
  );

  it("takes an expired lease over, copies, and drops the lease with the done write", async () => {
    // Prepare: the other attempt's lease expired a millisecond ago.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T0);
    const h = processorHarness();
    const body = randomBytes(10);
    h.source.putObject("k", body);
    h.db.patch("src/k", heldBy("attempt-other", T0 - 1));
    // Act
    await h.processor.process(sqsMessage(jobBody(10)), never);
    // Assess
    expect(h.sqs.settles().map((c) => c.name)).toEqual(["DeleteMessage"]);
    expect(h.destination.objects.get("k")?.body.equals(body)).toBe(true);
    const item = h.db.plain("src/k") ?? {};
    expect(item).toMatchObject({ status: "done", attempts: 2 });
    expect(item).not.toHaveProperty("leaseOwner");
    expect(item).not.toHaveProperty("leaseExpires");
  });

  it("renews the lease with each heartbeat, with the parts done / total the engine reports", async () => {
    // Prepare: a 3-part object whose parts 2 and 3 never arrive; visibility 30 s.
    vi.useFakeTimers({ toFake: [...TIMERS] });
    vi.setSystemTime(T0);
    const h = processorHarness({ source: firstPartOnly(), visibilityTimeoutSec: 30 });
    h.source.putObject("k", randomBytes(12 * MIB));
    const shutdown = new AbortController();
    // Act
    const done = h.processor.process(sqsMessage(jobBody(12 * MIB)), shutdown.signal);
    await vi.advanceTimersByTimeAsync(0);
    const claimed = h.db.plain("src/k")?.leaseExpires;
    await vi.waitFor(() => expect(h.destination.commands).toContain("UploadPartCommand"));
    await vi.advanceTimersByTimeAsync(10_000);
    const renewed = h.db.plain("src/k");
    shutdown.abort(new Error("SIGTERM"));
    await done;
    // Assess
    expect(claimed).toBe(T0 + 30_000);
    expect(renewed).toMatchObject({
      leaseExpires: T0 + 10_000 + 30_000,
      partsDone: 1,
      partsTotal: 3,
    });
  });

  it("stops the copy when a renewal finds the object taken over, and leaves the message alone", async () => {
    // Prepare: a GET that never answers; while it hangs, another attempt takes the object over.
    vi.useFakeTimers({ toFake: [...TIMERS] });
    vi.setSystemTime(T0);
    const hanging = hangingSource();
    const h = processorHarness({ source: hanging.wrap, visibilityTimeoutSec: 30 });
    h.source.putObject("k", randomBytes(10));
    let settled = false;
    const done = h.processor.process(sqsMessage(jobBody(10)), never).then(() => {
      settled = true;
    });
    await hanging.getStarted;
    h.db.patch("src/k", heldBy("attempt-other", T0 + 60_000));
    const takenOver = structuredClone(h.db.items.get("src/k"));
    // Act: the heartbeat at 10 s renews.
    await vi.advanceTimersByTimeAsync(10_000);
    await done;
    // Assess: only the heartbeat's own extension, no settle; nothing recorded.
    expect(settled).toBe(true);
    expect(h.sqs.settles().map((c) => [c.name, c.input.VisibilityTimeout])).toEqual([
      ["ChangeMessageVisibility", 30],
    ]);
    expect(h.db.items.get("src/k")).toEqual(takenOver);
    expect(
      h.lines.find((l) => l.message === "object taken over by another attempt, copy stopped"),
    ).toMatchObject({ level: "warn" });
    expect(h.metrics()).toMatchObject({ RetryableErrors: 0, ObjectsFailed: 0, ObjectsCopied: 0 });
  });

  it("stops without a status write or settle when the engine's bind is refused (LeaseLostError)", async () => {
    // Prepare: another attempt takes the object over just before this one binds its upload.
    const h = processorHarness();
    h.source.putObject("k", randomBytes(12 * MIB));
    let takenOver: unknown;
    h.db.before = (command) => {
      if (
        command instanceof UpdateItemCommand &&
        command.input.UpdateExpression?.startsWith("SET uploadId")
      ) {
        h.db.patch("src/k", { leaseOwner: "attempt-other", lastAttempt: "attempt-other" });
        takenOver = structuredClone(h.db.items.get("src/k"));
      }
    };
    // Act
    await h.processor.process(sqsMessage(jobBody(12 * MIB)), never);
    // Assess
    expect(h.sqs.settles()).toEqual([]);
    expect(h.db.items.get("src/k")).toEqual(takenOver);
    expect(h.destination.commands).not.toContain("CompleteMultipartUploadCommand");
    expect(
      h.lines.find((l) => l.message === "object taken over by another attempt, copy stopped"),
    ).toMatchObject({ level: "warn", error: { name: "LeaseLostError" } });
  });

  it("resumes, on the next delivery, the upload a failed attempt bound", async () => {
    // Prepare: the first delivery uploads part 1, then every other part fails with 503.
    let failParts = true;
    const h = processorHarness({
      destination: (fake) =>
        failing(fake, (c) =>
          failParts && c instanceof UploadPartCommand && c.input.PartNumber !== 1
            ? awsError("ServiceUnavailable", 503)
            : undefined,
        ),
    });
    const body = randomBytes(12 * MIB);
    h.source.putObject("k", body);
    await h.processor.process(sqsMessage(jobBody(body.length)), never);
    const failed = h.db.plain("src/k");
    failParts = false;
    // Act
    await h.processor.process(sqsMessage(jobBody(body.length), 2, "m-2"), never);
    // Assess
    expect(failed).toMatchObject({ status: "failed", uploadPartSize: 5 * MIB, partsTotal: 3 });
    expect(failed).not.toHaveProperty("leaseOwner");
    expect(h.lines.find((l) => l.message === "object copied")).toMatchObject({
      messageId: "m-2",
      partsReused: 1,
    });
    expect(h.db.plain("src/k")).toMatchObject({ status: "done", uploadId: failed?.uploadId });
    expect(h.destination.objects.get("k")?.body.equals(body)).toBe(true);
  });
});
