import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { JOB, LEASE_MS, RESULT, storeOnFakeTable, T0 } from "../testing/status-store-fixtures.js";

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("StatusStore", () => {
  it("writes a running item at start and a done item with the copy's facts at the end", async () => {
    // Prepare
    const { db, store } = storeOnFakeTable();
    // Act
    const started = await store.start(JOB, "attempt-1", LEASE_MS);
    const recorded = await store.done(JOB, "attempt-1", RESULT);
    // Assess
    expect(started).toMatchObject({ kind: "started", recorded: undefined });
    expect(recorded).toBe(true);
    expect(db.plain("src/a/b")).toMatchObject({
      status: "done",
      attempts: 1,
      lastAttempt: "attempt-1",
      workerId: "worker-1",
      dstEtag: "d-etag",
      sourceEtag: "s-etag",
      bytesMoved: 3,
    });
  });

  it("returns the done item instead of starting again, unless forced", async () => {
    // Prepare
    const { db, store } = storeOnFakeTable();
    await store.start(JOB, "attempt-1", LEASE_MS);
    await store.done(JOB, "attempt-1", RESULT);
    // Act
    const existing = await store.start(JOB, "attempt-2", LEASE_MS);
    const afterRefusal = db.plain("src/a/b");
    const forced = await store.start(JOB, "attempt-2", LEASE_MS, true);
    // Assess
    expect(existing).toEqual({
      kind: "done",
      item: { status: "done", dstEtag: "d-etag", sourceEtag: "s-etag", sizeBytes: 3 },
    });
    expect(afterRefusal).toMatchObject({ status: "done", attempts: 1 });
    expect(forced.kind).toBe("started");
    expect(db.plain("src/a/b")).toMatchObject({ status: "running", attempts: 2 });
  });

  it("never lets a late, slower duplicate overwrite a newer done", async () => {
    // Prepare: attempt 1 starts; attempt 2 takes the object over once 1's lease has expired,
    // and finishes first.
    const { db, store } = storeOnFakeTable();
    await store.start(JOB, "attempt-1", LEASE_MS);
    vi.setSystemTime(T0 + LEASE_MS + 1);
    await store.start(JOB, "attempt-2", LEASE_MS);
    await store.done(JOB, "attempt-2", RESULT);
    // Act
    const late = await store.failed(JOB, "attempt-1", "retryable", "socket hang up");
    // Assess
    expect(late).toBe(false);
    expect(db.plain("src/a/b")).toMatchObject({ status: "done", lastAttempt: "attempt-2" });
  });
});
