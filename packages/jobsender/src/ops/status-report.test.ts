import { describe, expect, it } from "vitest";
import {
  buildStatusReport,
  formatStatusReport,
  keepNewest,
  type RecentFailure,
  scanStatusTable,
} from "./status-report.js";
import { fakeScan, type Item } from "./status-scan-fake.js";

const ZERO_QUEUE = { waiting: 0, inFlight: 0, delayed: 0 };

function item(status: string, size: number, endTime: string, extra: Item = {}): Item {
  return {
    status: { S: status },
    sizeBytes: { N: String(size) },
    endTime: { S: endTime },
    srcBucket: { S: "src" },
    srcKey: { S: `k-${endTime}` },
    ...extra,
  };
}

const failure = (endTime: string): RecentFailure => ({
  srcBucket: "b",
  srcKey: endTime,
  endTime,
  errorClass: "object",
  attempts: 1,
  lastError: "NoSuchKey",
});

describe("scanStatusTable", () => {
  it("counts every page by status with bytes, the rate window and the newest failures", async () => {
    // Prepare
    const { db, requests } = fakeScan([
      [
        item("done", 100, "2026-01-01T11:55:00.000Z"),
        item("done", 50, "2026-01-01T10:00:00.000Z"),
        item("running", 7, ""),
      ],
      [
        item("failed", 3, "2026-01-01T11:00:00.000Z", { lastError: { S: "old" } }),
        item("failed", 4, "2026-01-01T11:59:00.000Z", {
          lastError: { S: "AccessDenied" },
          errorClass: { S: "object" },
          attempts: { N: "2" },
        }),
      ],
    ]);
    // Act
    const summary = await scanStatusTable(db, "t", {
      now: new Date("2026-01-01T12:00:00.000Z"),
      rateWindowMinutes: 10,
      keepFailures: 1,
    });
    // Assess
    expect(requests).toHaveLength(2);
    expect(summary.done).toEqual({ count: 2, bytes: 150 });
    expect(summary.running).toEqual({ count: 1, bytes: 7 });
    expect(summary.failed).toEqual({ count: 2, bytes: 7 });
    expect(summary.recent).toEqual({ count: 1, bytes: 100 });
    expect(summary.failures).toEqual([
      expect.objectContaining({ lastError: "AccessDenied", attempts: 2, errorClass: "object" }),
    ]);
  });
});

describe("scanStatusTable (objects in progress)", () => {
  it("lists running objects, longest running first, with parts done / total and lease expiry", async () => {
    // Prepare: two multipart copies (one whose lease has expired), a small copy, a done item.
    const running = (key: string, lastStart: string, extra: Item = {}): Item => ({
      status: { S: "running" },
      srcBucket: { S: "src" },
      srcKey: { S: key },
      sizeBytes: { N: String(20 * 1024 * 1024) },
      workerId: { S: "i-1" },
      lastStart: { S: lastStart },
      ...extra,
    });
    const { db, requests } = fakeScan([
      [
        running("late", "2026-01-01T11:59:00.000Z", {
          leaseExpires: { N: String(Date.parse("2026-01-01T12:00:25.000Z")) },
          partsDone: { N: "1" },
          partsTotal: { N: "4" },
        }),
        item("done", 100, "2026-01-01T11:55:00.000Z"),
      ],
      [
        running("stalled", "2026-01-01T10:00:00.000Z", {
          leaseExpires: { N: String(Date.parse("2026-01-01T10:00:30.000Z")) },
          partsDone: { N: "3" },
          partsTotal: { N: "4" },
        }),
        running("small", "2026-01-01T11:58:00.000Z", {
          leaseExpires: { N: String(Date.parse("2026-01-01T12:00:20.000Z")) },
        }),
      ],
    ]);
    const now = new Date("2026-01-01T12:00:00.000Z");
    // Act
    const summary = await scanStatusTable(db, "t", { now, keepInProgress: 2 });
    const report = buildStatusReport(now, ZERO_QUEUE, ZERO_QUEUE, summary, 10);
    const text = formatStatusReport(report);
    const json = JSON.parse(JSON.stringify(report));
    // Assess
    expect(requests[0]?.ProjectionExpression).toMatch(/leaseExpires, partsDone, partsTotal/);
    expect(summary.running.count).toBe(3);
    expect(summary.inProgress).toEqual([
      {
        srcBucket: "src",
        srcKey: "stalled",
        sizeBytes: 20 * 1024 * 1024,
        workerId: "i-1",
        lastStart: "2026-01-01T10:00:00.000Z",
        partsDone: 3,
        partsTotal: 4,
        leaseExpires: "2026-01-01T10:00:30.000Z",
      },
      expect.objectContaining({ srcKey: "small", partsDone: undefined, partsTotal: undefined }),
    ]);
    expect(json.objects.inProgress[0]).toMatchObject({
      srcKey: "stalled",
      partsDone: 3,
      partsTotal: 4,
      leaseExpires: "2026-01-01T10:00:30.000Z",
    });
    expect(text).toContain("in progress (2 of 3, longest running first):");
    expect(text).toContain(
      "  src/stalled  parts 3/4  20.0 MiB  worker i-1  since 2026-01-01T10:00:00.000Z  " +
        "lease until 2026-01-01T10:00:30.000Z (expired)",
    );
    expect(text).toContain("  src/small  parts -  20.0 MiB  worker i-1  since");
    expect(text).toMatch(/src\/small .* lease until 2026-01-01T12:00:20\.000Z\n/);
  });
});

describe("keepNewest", () => {
  it("keeps the newest failures, newest first, whatever the order they come in", () => {
    const list: RecentFailure[] = [];
    for (const t of ["03", "01", "05", "02", "04"]) keepNewest(list, failure(t), 3);
    expect(list.map((f) => f.endTime)).toEqual(["05", "04", "03"]);
  });
});

describe("buildStatusReport", () => {
  const queue = { waiting: 30, inFlight: 6, delayed: 0 };
  const dlq = { waiting: 2, inFlight: 0, delayed: 0 };
  const zero = { count: 0, bytes: 0 };
  const objects = (recent: { count: number; bytes: number }) => ({
    done: zero,
    running: zero,
    splitRunning: zero,
    failed: zero,
    other: zero,
    recent,
    failures: [],
    inProgress: [],
  });

  it("derives the rate from the window and the ETA from the messages left", () => {
    const report = buildStatusReport(
      new Date(0),
      queue,
      dlq,
      objects({ count: 60, bytes: 6000 }),
      1,
    );
    expect(report.bytesPerSecond).toBe(100);
    expect(report.objectsPerSecond).toBe(1);
    expect(report.etaSeconds).toBe(36);
    expect(formatStatusReport(report)).toContain("ETA:     36s");
  });

  it("has no ETA without recent progress", () => {
    const report = buildStatusReport(new Date(0), queue, dlq, objects(zero), 10);
    expect(report.etaSeconds).toBeUndefined();
    expect(formatStatusReport(report)).toContain("unknown");
  });
});
