import { afterEach, describe, expect, it, vi } from "vitest";
import { capturedLog } from "../testing/captured-log.js";
import { METRICS_NAMESPACE, ThroughputMetrics } from "./throughput-metrics.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("ThroughputMetrics", () => {
  it("writes one CloudWatch EMF line per interval with the counts since the last one", () => {
    // Prepare
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"], now: 1_700_000_000_000 });
    const { logger, lines } = capturedLog("info");
    const metrics = new ThroughputMetrics(logger, 60_000);
    metrics.add("BytesCopied", 5 * 1024 * 1024);
    metrics.add("BytesCopied", 3);
    metrics.add("ObjectsCopied");
    metrics.add("ObjectsFailed");
    metrics.add("RetryableErrors", 2);
    // Act
    vi.advanceTimersByTime(60_000);
    // Assess: the exact shape the CloudWatch agent turns into metrics (infra/lib/metrics.ts
    // charts these names in the namespace infra/test/monitoring.test.ts checks).
    expect(lines).toEqual([
      {
        level: "info",
        message: "throughput",
        service: "test",
        timestamp: "2023-11-14T22:14:20.000Z",
        _aws: {
          Timestamp: 1_700_000_060_000,
          CloudWatchMetrics: [
            {
              Namespace: "S3Migration",
              Dimensions: [[]],
              Metrics: [
                { Name: "BytesCopied", Unit: "Bytes" },
                { Name: "ObjectsCopied", Unit: "Count" },
                { Name: "ObjectsFailed", Unit: "Count" },
                { Name: "RetryableErrors", Unit: "Count" },
                { Name: "EventsDropped", Unit: "Count" },
              ],
            },
          ],
        },
        BytesCopied: 5 * 1024 * 1024 + 3,
        ObjectsCopied: 1,
        ObjectsFailed: 1,
        RetryableErrors: 2,
        EventsDropped: 0,
      },
    ]);
    expect(METRICS_NAMESPACE).toBe("S3Migration");
    metrics.close();
  });

  it("starts each interval from zero and writes nothing for an idle one", () => {
    // Prepare
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    const { logger, lines } = capturedLog("info");
    const metrics = new ThroughputMetrics(logger, 60_000);
    metrics.add("ObjectsCopied", 4);
    // Act: one busy interval, one idle, then one object more.
    vi.advanceTimersByTime(120_000);
    metrics.add("ObjectsCopied");
    vi.advanceTimersByTime(60_000);
    // Assess
    expect(lines.map((l) => l.ObjectsCopied)).toEqual([4, 1]);
    metrics.close();
  });

  it("writes what is left at close and stops its timer", () => {
    // Prepare
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    const { logger, lines } = capturedLog("info");
    const metrics = new ThroughputMetrics(logger, 60_000);
    metrics.add("BytesCopied", 7);
    // Act
    metrics.close();
    metrics.add("BytesCopied", 9);
    vi.advanceTimersByTime(10 * 60_000);
    // Assess
    expect(lines.map((l) => l.BytesCopied)).toEqual([7]);
  });

  it.each(["warn", "error"] as const)(
    "writes the EMF line when the logger's level is %s (LoggingLevel raised), printed as info",
    (level) => {
      // Prepare: a child logger, as the worker's (its fields must stay on the line).
      vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
      const { logger, lines } = capturedLog(level);
      const child = logger.child({ workerId: "w-1" });
      const metrics = new ThroughputMetrics(child, 60_000);
      metrics.add("ObjectsCopied", 2);
      // Act
      child.info("an info line the level filters out");
      vi.advanceTimersByTime(60_000);
      // Assess: only the EMF line, at info, with its namespace and the logger's fields.
      expect(lines).toEqual([
        expect.objectContaining({
          level: "info",
          message: "throughput",
          service: "test",
          workerId: "w-1",
          ObjectsCopied: 2,
          _aws: expect.objectContaining({
            CloudWatchMetrics: [expect.objectContaining({ Namespace: "S3Migration" })],
          }),
        }),
      ]);
      metrics.close();
    },
  );
});
