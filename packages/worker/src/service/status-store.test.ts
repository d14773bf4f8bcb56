import type { CopyJob } from "@s3-migration/common";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CopyResult } from "../engine/transfer/copy-types.js";
import { LeaseLostError, type UploadBinding } from "../engine/transfer/upload-ledger.js";
import { FakeDynamoDb } from "../testing/fake-dynamodb.js";
import { StatusStore } from "./status-store.js";

const JOB: CopyJob = { srcBucket: "src", srcKey: "a/b", dstBucket: "dst", dstKey: "a/b", size: 3 };
const RESULT: CopyResult = {
  method: "single-put",
  bytes: 3,
  bytesUploaded: 3,
  parts: 1,
  partsReused: 0,
  partsUploaded: 1,
  checksum: "source-md5",
  etag: "d-etag",
  sourceEtag: "s-etag",
  versionId: undefined,
  restarts: 0,
  durationMs: 5,
};
const BINDING: UploadBinding = {
  uploadId: "upload-1",
  sourceEtag: "s-etag",
  sourceSize: 20 * 1024 * 1024,
  sourceVersionId: "v1",
  partSize: 8 * 1024 * 1024,
};
const LEASE_MS = 30_000;
const T0 = Date.parse("2026-01-01T12:00:00.000Z");

function setup() {
  const db = new FakeDynamoDb();
  return { db, store: new StatusStore(db, "status", "worker-1", false) };
}

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
    const { db, store } = setup();
    // Act
    const started = await store.start(JOB, "attempt-1", LEASE_MS);
    const recorded = await store.done(JOB, "attempt-1", RESULT);
    // Assess
    expect(started).toEqual({ kind: "started", recorded: undefined });
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
    const { db, store } = setup();
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
    const { db, store } = setup();
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

describe("StatusStore (the object's lease)", () => {
  it("claims the lease with the start write: owner = the attempt, expiry = now + lease", async () => {
    // Prepare
    const { db, store } = setup();
    // Act
    await store.start(JOB, "attempt-1", LEASE_MS);
    // Assess
    expect(db.plain("src/a/b")).toMatchObject({
      status: "running",
      leaseOwner: "attempt-1",
      leaseExpires: T0 + LEASE_MS,
    });
  });

  it("answers busy, writing nothing, while another attempt's lease has not expired", async () => {
    // Prepare: attempt 1 holds the object until T0 + 30 s.
    const { db, store } = setup();
    await store.start(JOB, "attempt-1", LEASE_MS);
    const before = structuredClone(db.items.get("src/a/b"));
    vi.setSystemTime(T0 + LEASE_MS);
    // Act: at the very expiry instant the lease still holds.
    const busy = await store.start(JOB, "attempt-2", LEASE_MS);
    const forced = await store.start(JOB, "attempt-2", LEASE_MS, true);
    // Assess
    expect(busy).toEqual({ kind: "busy", leaseOwner: "attempt-1", leaseExpires: T0 + LEASE_MS });
    expect(forced).toEqual(busy);
    expect(db.items.get("src/a/b")).toEqual(before);
  });

  it("takes an expired lease over and returns the upload the earlier attempt bound", async () => {
    // Prepare: attempt 1 binds an upload, then stops renewing.
    const { db, store } = setup();
    await store.start(JOB, "attempt-1", LEASE_MS);
    await store.bind(JOB, "attempt-1", BINDING, 3);
    vi.setSystemTime(T0 + LEASE_MS + 1);
    // Act
    const started = await store.start(JOB, "attempt-2", LEASE_MS);
    // Assess
    expect(started).toEqual({ kind: "started", recorded: BINDING });
    expect(db.plain("src/a/b")).toMatchObject({
      attempts: 2,
      leaseOwner: "attempt-2",
      leaseExpires: T0 + 2 * LEASE_MS + 1,
      uploadId: "upload-1",
      partsTotal: 3,
    });
  });

  it("refuses to bind or renew for an attempt that was taken over (LeaseLostError)", async () => {
    // Prepare: attempt 2 took the object over from attempt 1.
    const { db, store } = setup();
    await store.start(JOB, "attempt-1", LEASE_MS);
    vi.setSystemTime(T0 + LEASE_MS + 1);
    await store.start(JOB, "attempt-2", LEASE_MS);
    const before = structuredClone(db.items.get("src/a/b"));
    // Act
    const bind = store.bind(JOB, "attempt-1", BINDING, 3);
    const renew = store.renewLease(JOB, "attempt-1", LEASE_MS, { done: 1, total: 3 });
    // Assess
    await expect(bind).rejects.toBeInstanceOf(LeaseLostError);
    await expect(renew).rejects.toBeInstanceOf(LeaseLostError);
    expect(db.items.get("src/a/b")).toEqual(before);
  });

  it("renews the holder's lease from now and records parts done / total", async () => {
    // Prepare
    const { db, store } = setup();
    await store.start(JOB, "attempt-1", LEASE_MS);
    await store.bind(JOB, "attempt-1", BINDING, 3);
    vi.setSystemTime(T0 + 10_000);
    // Act
    await store.renewLease(JOB, "attempt-1", LEASE_MS, { done: 2, total: 3 });
    // Assess
    expect(db.plain("src/a/b")).toMatchObject({
      leaseOwner: "attempt-1",
      leaseExpires: T0 + 10_000 + LEASE_MS,
      partsDone: 2,
      partsTotal: 3,
    });
  });

  it("drops the lease and keeps the binding on failed, so the next attempt resumes at once", async () => {
    // Prepare
    const { db, store } = setup();
    await store.start(JOB, "attempt-1", LEASE_MS);
    await store.bind(JOB, "attempt-1", BINDING, 3);
    // Act
    await store.failed(JOB, "attempt-1", "retryable", "socket hang up");
    const next = await store.start(JOB, "attempt-2", LEASE_MS);
    // Assess: no wait for the lease to expire.
    expect(next).toEqual({ kind: "started", recorded: BINDING });
    expect(db.plain("src/a/b")).toMatchObject({ leaseOwner: "attempt-2", uploadId: "upload-1" });
  });

  it("drops the lease and the binding on done, keeping the upload that became the object", async () => {
    // Prepare
    const { db, store } = setup();
    await store.start(JOB, "attempt-1", LEASE_MS);
    await store.bind(JOB, "attempt-1", BINDING, 3);
    await store.renewLease(JOB, "attempt-1", LEASE_MS, { done: 3, total: 3 });
    // Act
    await store.done(JOB, "attempt-1", { ...RESULT, method: "multipart", uploadId: "upload-1" });
    const done = Object.keys(db.plain("src/a/b") ?? {});
    const forced = await store.start(JOB, "attempt-2", LEASE_MS, true);
    // Assess
    expect(done).toContain("uploadId");
    for (const gone of [
      "leaseOwner",
      "leaseExpires",
      "uploadSourceEtag",
      "uploadSourceSize",
      "uploadSourceVersionId",
      "uploadPartSize",
      "partsDone",
      "partsTotal",
    ]) {
      expect(done).not.toContain(gone);
    }
    expect(forced).toEqual({ kind: "started", recorded: undefined });
  });

  it("never drops the lease of an attempt that took the object over", async () => {
    // Prepare: attempt 2 took the object over; attempt 1 then fails.
    const { db, store } = setup();
    await store.start(JOB, "attempt-1", LEASE_MS);
    vi.setSystemTime(T0 + LEASE_MS + 1);
    await store.start(JOB, "attempt-2", LEASE_MS);
    // Act
    const late = await store.failed(JOB, "attempt-1", "retryable", "socket hang up");
    // Assess
    expect(late).toBe(false);
    expect(db.plain("src/a/b")).toMatchObject({ status: "running", leaseOwner: "attempt-2" });
  });

  it("gives up the holder's lease on release, keeping status and binding; never another's", async () => {
    // Prepare
    const { db, store } = setup();
    await store.start(JOB, "attempt-1", LEASE_MS);
    await store.bind(JOB, "attempt-1", BINDING, 3);
    // Act
    const byOther = await store.releaseLease(JOB, "attempt-2");
    const held = db.plain("src/a/b");
    const byHolder = await store.releaseLease(JOB, "attempt-1");
    const next = await store.start(JOB, "attempt-2", LEASE_MS);
    // Assess: the next attempt claims at once and resumes.
    expect(byOther).toBe(false);
    expect(held).toMatchObject({ leaseOwner: "attempt-1" });
    expect(byHolder).toBe(true);
    expect(next).toEqual({ kind: "started", recorded: BINDING });
  });

  it("records a binding without a version by removing the older binding's version", async () => {
    // Prepare
    const { store } = setup();
    await store.start(JOB, "attempt-1", LEASE_MS);
    await store.bind(JOB, "attempt-1", BINDING, 3);
    const unversioned = { ...BINDING, uploadId: "upload-2", sourceVersionId: undefined };
    await store.bind(JOB, "attempt-1", unversioned, 3);
    await store.failed(JOB, "attempt-1", "retryable", "x");
    // Act
    const next = await store.start(JOB, "attempt-2", LEASE_MS);
    // Assess
    expect(next).toEqual({ kind: "started", recorded: unversioned });
  });
});
