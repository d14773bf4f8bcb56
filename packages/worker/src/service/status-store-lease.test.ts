import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LeaseLostError } from "../engine/transfer/upload-ledger.js";
import {
  BINDING,
  JOB,
  LEASE_MS,
  RESULT,
  storeOnFakeTable,
  T0,
} from "../testing/status-store-fixtures.js";
import { StatusStore } from "./status-store.js";

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("StatusStore (the object's lease)", () => {
  it("claims the lease with the start write: owner = the attempt, expiry = now + lease", async () => {
    // Prepare
    const { db, store } = storeOnFakeTable();
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
    const { db, store } = storeOnFakeTable();
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

  it("finds its own claim when the start write was retried after its answer was lost", async () => {
    // Prepare: the first start write lands, its answer is lost, and the SDK's retry of the
    // same write is refused (the lease it asks for is held: by this very attempt).
    const { db } = storeOnFakeTable();
    const send = db.send;
    let lost = false;
    const retrying = {
      send: (async (command: Parameters<typeof send>[0]) => {
        if (!lost && command instanceof UpdateItemCommand) {
          lost = true;
          await send(command);
        }
        return send(command);
      }) as typeof send,
    };
    const retried = new StatusStore(retrying, "status", "worker-1", false);
    // Act
    const start = await retried.start(JOB, "attempt-1", LEASE_MS);
    // Assess
    expect(start.kind).toBe("started");
    expect(db.plain("src/a/b")).toMatchObject({ leaseOwner: "attempt-1", attempts: 1 });
  });

  it("takes an expired lease over and returns the upload the earlier attempt bound", async () => {
    // Prepare: attempt 1 binds an upload, then stops renewing.
    const { db, store } = storeOnFakeTable();
    await store.start(JOB, "attempt-1", LEASE_MS);
    await store.bind(JOB, "attempt-1", BINDING, 3);
    vi.setSystemTime(T0 + LEASE_MS + 1);
    // Act
    const started = await store.start(JOB, "attempt-2", LEASE_MS);
    // Assess
    expect(started).toMatchObject({ kind: "started", recorded: BINDING });
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
    const { db, store } = storeOnFakeTable();
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
    const { db, store } = storeOnFakeTable();
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
    const { db, store } = storeOnFakeTable();
    await store.start(JOB, "attempt-1", LEASE_MS);
    await store.bind(JOB, "attempt-1", BINDING, 3);
    // Act
    await store.failed(JOB, "attempt-1", "retryable", "socket hang up");
    const next = await store.start(JOB, "attempt-2", LEASE_MS);
    // Assess: no wait for the lease to expire.
    expect(next).toMatchObject({ kind: "started", recorded: BINDING });
    expect(db.plain("src/a/b")).toMatchObject({ leaseOwner: "attempt-2", uploadId: "upload-1" });
  });

  it("drops the lease and the binding on done, keeping the upload that became the object", async () => {
    // Prepare
    const { db, store } = storeOnFakeTable();
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
    expect(forced).toMatchObject({ kind: "started", recorded: undefined });
  });

  it("never drops the lease of an attempt that took the object over", async () => {
    // Prepare: attempt 2 took the object over; attempt 1 then fails.
    const { db, store } = storeOnFakeTable();
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
    const { db, store } = storeOnFakeTable();
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
    expect(next).toMatchObject({ kind: "started", recorded: BINDING });
  });

  it("records a binding without a version by removing the older binding's version", async () => {
    // Prepare
    const { store } = storeOnFakeTable();
    await store.start(JOB, "attempt-1", LEASE_MS);
    await store.bind(JOB, "attempt-1", BINDING, 3);
    const unversioned = { ...BINDING, uploadId: "upload-2", sourceVersionId: undefined };
    await store.bind(JOB, "attempt-1", unversioned, 3);
    await store.failed(JOB, "attempt-1", "retryable", "x");
    // Act
    const next = await store.start(JOB, "attempt-2", LEASE_MS);
    // Assess
    expect(next).toMatchObject({ kind: "started", recorded: unversioned });
  });
});
