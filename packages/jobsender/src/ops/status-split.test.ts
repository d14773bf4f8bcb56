import { describe, expect, it } from "vitest";
import { buildStatusReport, formatStatusReport, scanStatusTable } from "./status-report.js";
import { fakeScan, type Item } from "./status-scan-fake.js";

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const ZERO_QUEUE = { waiting: 0, inFlight: 0, delayed: 0 };
const NOW = new Date("2026-01-01T12:00:00.000Z");

/** A giant object cut in slices of 4 parts of 256 MiB (1 GiB), as the worker records it. */
function giant(key: string, status: string, size: number, done: number[], extra: Item = {}): Item {
  return {
    status: { S: status },
    srcBucket: { S: "src" },
    srcKey: { S: key },
    sizeBytes: { N: String(size) },
    workerId: { S: "i-splitter" },
    lastStart: { S: "2026-01-01T10:00:00.000Z" },
    attempts: { N: "1" },
    uploadId: { S: `up-${key}` },
    uploadPartSize: { N: String(256 * MIB) },
    partsTotal: { N: String(Math.ceil(size / (256 * MIB))) },
    splitSlices: { N: String(Math.ceil(size / GIB)) },
    splitSliceParts: { N: "4" },
    ...(done.length > 0 ? { slicesDone: { NS: done.map(String) } } : {}),
    ...extra,
  };
}

async function report(items: Item[]) {
  const { db, requests } = fakeScan([items]);
  const summary = await scanStatusTable(db, "t", { now: NOW });
  const text = formatStatusReport(buildStatusReport(NOW, ZERO_QUEUE, ZERO_QUEUE, summary, 10));
  return { summary, text, requests };
}

describe("status of giant objects split into slices", () => {
  it("shows slices and bytes done / total, with no lease as the normal state", async () => {
    // Prepare: 8 GiB with slices 1-3 done; 7.5 GiB (last slice 0.5 GiB) with 1 and 8 done.
    const { summary, text, requests } = await report([
      giant("giant", "running", 8 * GIB, [1, 2, 3]),
      giant("odd", "running", 7.5 * GIB, [8, 1]),
    ]);
    // Assess
    const projection = requests[0]?.ProjectionExpression ?? "";
    for (const name of ["splitSlices", "splitSliceParts", "slicesDone", "failedSlice"]) {
      expect(projection).toContain(name);
    }
    expect(projection).toContain("uploadPartSize");
    expect(summary.splitRunning).toEqual({ count: 2, bytes: 15.5 * GIB });
    expect(summary.inProgress[0]?.split).toEqual({
      slices: 8,
      slicesDone: 3,
      bytesDone: 3 * GIB,
      failedSlice: undefined,
    });
    expect(text).toContain(
      "  src/giant  slices 3/8  3.0 GiB of 8.0 GiB  split (slices in the queue)  " +
        "since 2026-01-01T10:00:00.000Z\n",
    );
    expect(text).toContain(
      "  src/odd  slices 2/8  1.5 GiB of 7.5 GiB  split (slices in the queue)",
    );
    expect(text).not.toContain("no lease");
    expect(text).toContain("running 2 (15872.0 MiB, 2 split),");
  });

  it("reads a split object a worker holds (completing it) like any leased copy", async () => {
    const leased = giant("giant", "running", 8 * GIB, [1, 2, 3, 4, 5, 6, 7, 8], {
      workerId: { S: "i-2" },
      leaseExpires: { N: String(Date.parse("2026-01-01T12:00:30.000Z")) },
    });
    const { text } = await report([leased]);
    expect(text).toContain(
      "  src/giant  slices 8/8  8.0 GiB of 8.0 GiB  worker i-2  " +
        "since 2026-01-01T10:00:00.000Z  lease until 2026-01-01T12:00:30.000Z\n",
    );
  });

  it("lists a split object failed by a slice among the failures, with its error", async () => {
    // Prepare: slice 4 of 8 failed after 1-3 were copied; an ordinary failure next to it.
    const failed = giant("giant", "failed", 8 * GIB, [1, 2, 3], {
      endTime: { S: "2026-01-01T11:59:00.000Z" },
      errorClass: { S: "retryable" },
      attempts: { N: "2" },
      lastError: { S: "slice 4/8: SlowDown: please reduce your request rate" },
      failedSlice: { N: "4" },
    });
    const plain: Item = {
      status: { S: "failed" },
      srcBucket: { S: "src" },
      srcKey: { S: "small" },
      sizeBytes: { N: "3" },
      endTime: { S: "2026-01-01T11:00:00.000Z" },
      errorClass: { S: "object" },
      attempts: { N: "1" },
      lastError: { S: "NoSuchKey" },
    };
    // Act
    const { summary, text } = await report([plain, failed]);
    // Assess
    expect(summary.failed).toEqual({ count: 2, bytes: 8 * GIB + 3 });
    expect(summary.splitRunning).toEqual({ count: 0, bytes: 0 });
    expect(summary.failures[0]).toEqual({
      srcBucket: "src",
      srcKey: "giant",
      endTime: "2026-01-01T11:59:00.000Z",
      errorClass: "retryable",
      attempts: 2,
      lastError: "slice 4/8: SlowDown: please reduce your request rate",
      split: { slices: 8, slicesDone: 3, bytesDone: 3 * GIB, failedSlice: 4 },
    });
    expect(JSON.parse(JSON.stringify(summary.failures[1]))).not.toHaveProperty("split");
    expect(text).toContain(
      "recent failures:\n" +
        "  2026-01-01T11:59:00.000Z src/giant [retryable, attempt 2, slices 3/8 done] " +
        "slice 4/8: SlowDown: please reduce your request rate\n" +
        "  2026-01-01T11:00:00.000Z src/small [object, attempt 1] NoSuchKey\n",
    );
    expect(text).toContain("running 0 (0.0 MiB), failed 2");
  });
});
