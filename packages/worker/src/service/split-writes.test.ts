import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  BINDING,
  JOB,
  LEASE_MS,
  RESULT,
  storeOnFakeTable,
  T0,
} from "../testing/status-store-fixtures.js";
import {
  sliceDoneWrite,
  sliceFailedWrite,
  sliceRecoveredWrite,
  splitStateOf,
  splitWrite,
} from "./split-writes.js";

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

/** An object claimed by attempt-1, with BINDING's upload bound and split into 4 slices. */
async function splitObject(slicesDone: number[] = []) {
  const { db, store } = storeOnFakeTable();
  await store.start(JOB, "attempt-1", LEASE_MS);
  await store.bind(JOB, "attempt-1", BINDING, 3);
  const split = { uploadId: BINDING.uploadId, slices: 4, sliceParts: 1, partsTotal: 4 };
  const written = await store.update(
    JOB,
    splitWrite("attempt-1", { ...split, slicesDone, restart: false }),
  );
  return { db, store, written };
}

describe("the split's status writes", () => {
  it("records the split and gives the object's lease up in the same write", async () => {
    // Act
    const { db, written } = await splitObject([2]);
    // Assess
    expect(written).toBeDefined();
    const item = db.plain("src/a/b");
    expect(item).toMatchObject({ status: "running", splitSlices: 4, splitSliceParts: 1 });
    expect(item).not.toHaveProperty("leaseOwner");
    expect(item).not.toHaveProperty("leaseExpires");
    expect(splitStateOf(db.items.get("src/a/b"))?.slicesDone).toEqual(new Set([2]));
  });

  it("refuses to record a split for an attempt that no longer holds the object", async () => {
    // Prepare
    const { store } = storeOnFakeTable();
    await store.start(JOB, "attempt-1", LEASE_MS);
    await store.bind(JOB, "attempt-1", BINDING, 3);
    const split = { uploadId: BINDING.uploadId, slices: 4, sliceParts: 1, partsTotal: 4 };
    // Act
    const other = splitWrite("attempt-2", { ...split, slicesDone: [], restart: false });
    // Assess
    expect(await store.update(JOB, other)).toBeUndefined();
  });

  it("adds each slice once, however often it is delivered, and says when the set is whole", async () => {
    // Prepare
    const { store } = await splitObject([1]);
    // Act
    await store.update(JOB, sliceDoneWrite(BINDING.uploadId, 3));
    await store.update(JOB, sliceDoneWrite(BINDING.uploadId, 3));
    const beforeLast = splitStateOf(await store.update(JOB, sliceDoneWrite(BINDING.uploadId, 2)));
    const last = splitStateOf(await store.update(JOB, sliceDoneWrite(BINDING.uploadId, 4)));
    // Assess
    expect(beforeLast?.slicesDone).toEqual(new Set([1, 2, 3]));
    expect(last?.slicesDone.size).toBe(last?.slices);
  });

  it("refuses a slice of an upload the item no longer binds, or of an object done", async () => {
    // Prepare
    const { store } = await splitObject();
    // Act
    const stale = await store.update(JOB, sliceDoneWrite("upload-0", 1));
    await store.start(JOB, "attempt-2", LEASE_MS);
    await store.done(JOB, "attempt-2", { ...RESULT, uploadId: BINDING.uploadId, slices: 4 });
    const afterDone = await store.update(JOB, sliceDoneWrite(BINDING.uploadId, 1));
    // Assess
    expect(stale).toBeUndefined();
    expect(afterDone).toBeUndefined();
  });

  it("shows a slice's failure on the object until that slice succeeds", async () => {
    // Prepare
    const { db, store } = await splitObject();
    const failed = sliceFailedWrite(BINDING.uploadId, 2, "retryable", "slice 2/4: SlowDown", T0);
    // Act
    await store.update(JOB, failed);
    const shown = db.plain("src/a/b");
    await store.update(JOB, sliceRecoveredWrite(BINDING.uploadId, 3));
    const otherSlice = db.plain("src/a/b");
    await store.update(JOB, sliceRecoveredWrite(BINDING.uploadId, 2));
    // Assess
    expect(shown).toMatchObject({
      status: "failed",
      errorClass: "retryable",
      lastError: "slice 2/4: SlowDown",
      failedSlice: 2,
    });
    expect(otherSlice).toMatchObject({ status: "failed", failedSlice: 2 });
    expect(db.plain("src/a/b")).toMatchObject({ status: "running" });
    expect(db.plain("src/a/b")).not.toHaveProperty("failedSlice");
  });

  it("does not mark failed an object an attempt holds (completing or re-splitting it)", async () => {
    // Prepare
    const { db, store } = await splitObject();
    await store.start(JOB, "attempt-2", LEASE_MS);
    // Act
    const refused = await store.update(
      JOB,
      sliceFailedWrite(BINDING.uploadId, 2, "retryable", "slice 2/4: SlowDown", T0),
    );
    // Assess
    expect(refused).toBeUndefined();
    expect(db.plain("src/a/b")).toMatchObject({ status: "running", leaseOwner: "attempt-2" });
  });

  it("drops the split with a new upload's binding", async () => {
    // Prepare
    const { db, store } = await splitObject([1, 2]);
    await store.start(JOB, "attempt-2", LEASE_MS);
    // Act
    await store.bind(JOB, "attempt-2", { ...BINDING, uploadId: "upload-2" }, 3);
    // Assess
    const rebound = db.plain("src/a/b");
    for (const field of ["splitSlices", "splitSliceParts", "slicesDone"]) {
      expect(rebound).not.toHaveProperty(field);
    }
    expect(rebound).toMatchObject({ uploadId: "upload-2" });
  });

  it("keeps only the slice count on the done item", async () => {
    // Prepare
    const { db, store } = await splitObject([1, 2, 3, 4]);
    await store.start(JOB, "attempt-2", LEASE_MS);
    // Act
    await store.done(JOB, "attempt-2", { ...RESULT, uploadId: BINDING.uploadId, slices: 4 });
    // Assess
    const item = db.plain("src/a/b");
    expect(item).toMatchObject({ status: "done", uploadId: BINDING.uploadId, splitSlices: 4 });
    for (const field of ["splitSliceParts", "slicesDone", "failedSlice", "leaseOwner"]) {
      expect(item).not.toHaveProperty(field);
    }
  });
});
