import { afterEach, describe, expect, it, vi } from "vitest";
import { capturedLog } from "../testing/captured-log.js";
import { FakeSqs } from "../testing/fake-sqs.js";
import { MAX_VISIBILITY_SEC, startHeartbeat, type VisibilityLimitReached } from "./heartbeat.js";

afterEach(() => {
  vi.useRealTimers();
});

const T0 = Date.parse("2026-01-01T00:00:00.000Z");

describe("startHeartbeat", () => {
  it("extends a full timeout every third of it, then stops at SQS's 12 hours per receive", async () => {
    // Prepare: visibility timeout 300 s (a beat every 100 s), received at T0.
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"], now: T0 });
    const sqs = new FakeSqs();
    const limits: VisibilityLimitReached[] = [];
    let beats = 0;
    const stop = startHeartbeat({
      sqs,
      queueUrl: "https://sqs.local/q",
      receiptHandle: "receipt-m-1",
      visibilityTimeoutSec: 300,
      receivedAt: T0,
      logger: capturedLog().logger,
      beat: () => beats++,
      onLimit: (reason) => limits.push(reason),
    });
    // Act: up to the last beat whose extension ends within 12 h (42,900 s + 300 s = 43,200 s).
    await vi.advanceTimersByTimeAsync(42_900_000);
    const extendedUntilThen = sqs.inputs("ChangeMessageVisibility").length;
    const limitedBefore = limits.length;
    await vi.advanceTimersByTimeAsync(100_000);
    await vi.advanceTimersByTimeAsync(3_600_000);
    stop();
    // Assess: 429 extensions of a full timeout, none SQS would reject; then one onLimit at
    // 43,000 s (the message stays invisible until 43,200 s) and no beat after it.
    expect(extendedUntilThen).toBe(429);
    expect(limitedBefore).toBe(0);
    expect(sqs.inputs("ChangeMessageVisibility")).toHaveLength(429);
    expect(new Set(sqs.inputs("ChangeMessageVisibility").map((i) => i.VisibilityTimeout))).toEqual(
      new Set([300]),
    );
    expect(beats).toBe(429);
    expect(limits).toHaveLength(1);
    expect(limits[0]).toMatchObject({
      name: "VisibilityLimitReached",
      messageAgeSec: 43_000,
      visibilityTimeoutSec: 300,
    });
    expect(43_000 + 300).toBeGreaterThan(MAX_VISIBILITY_SEC);
  });

  it("counts the 12 hours from the receive, not from when the heartbeat started", async () => {
    // Prepare: a message received 11 h 58 min ago (its earlier holder's time counts).
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"], now: T0 });
    const sqs = new FakeSqs();
    const limits: VisibilityLimitReached[] = [];
    const stop = startHeartbeat({
      sqs,
      queueUrl: "https://sqs.local/q",
      receiptHandle: "receipt-m-1",
      visibilityTimeoutSec: 300,
      receivedAt: T0 - (MAX_VISIBILITY_SEC - 120) * 1000,
      logger: capturedLog().logger,
      onLimit: (reason) => limits.push(reason),
    });
    // Act
    await vi.advanceTimersByTimeAsync(100_000);
    stop();
    // Assess: the first beat does not extend.
    expect(sqs.inputs("ChangeMessageVisibility")).toEqual([]);
    expect(limits.map((l) => l.messageAgeSec)).toEqual([MAX_VISIBILITY_SEC - 20]);
  });
});
