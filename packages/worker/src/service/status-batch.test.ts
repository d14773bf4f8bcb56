import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { JOB, LEASE_MS, RESULT, storeOnFakeTable, T0 } from "../testing/status-store-fixtures.js";
import type { StatusStore } from "./status-store.js";

// The batched `done` of single-PUT copies (StatusBatch through StatusStore.done).

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

const LONG_LEASE_MS = 15 * 60_000;
const job = (n: number) => ({ ...JOB, srcKey: `k/${n}`, dstKey: `k/${n}` });

/** Starts `n` objects and finishes them with the item the start returned (as the processor does). */
async function startAndFinish(store: StatusStore, n: number, leaseMs = LONG_LEASE_MS) {
  const done: Promise<boolean>[] = [];
  for (let i = 0; i < n; i++) {
    const start = await store.start(job(i), `attempt-${i}`, leaseMs);
    if (start.kind !== "started") throw new Error(`not started: ${start.kind}`);
    const held = { item: start.item, leaseExpires: T0 + leaseMs, leaseMs };
    done.push(store.done(job(i), `attempt-${i}`, RESULT, held));
  }
  await vi.advanceTimersByTimeAsync(10);
  return Promise.all(done);
}

describe("StatusStore.done in batches", () => {
  it("leaves the same item as the conditional write, 25 records per BatchWriteItem", async () => {
    // Prepare: the same 30 objects, once through the batch and once written one by one.
    const batched = storeOnFakeTable(true);
    const single = storeOnFakeTable(false);
    // Act
    const results = await startAndFinish(batched.store, 30);
    vi.setSystemTime(T0);
    await startAndFinish(single.store, 30);
    // Assess: identical items; 30 starts + 2 batch calls instead of 30 starts + 30 updates.
    expect(results.every((ok) => ok)).toBe(true);
    expect([...batched.db.items.entries()]).toEqual([...single.db.items.entries()]);
    expect(batched.db.plain("src/k/7")).toMatchObject({ status: "done", dstEtag: "d-etag" });
    expect(batched.db.plain("src/k/7")?.leaseOwner).toBeUndefined();
    expect(batched.db.commands.filter((c) => c === "BatchWriteItemCommand")).toHaveLength(2);
    expect(batched.db.commands.filter((c) => c === "UpdateItemCommand")).toHaveLength(30);
  });

  it("writes an unprocessed entry alone, with its condition, and only that one", async () => {
    // Prepare: DynamoDB leaves k/3 unprocessed; another attempt has taken k/3 over meanwhile.
    const { db, store } = storeOnFakeTable(true);
    db.unprocessed.add("src/k/3");
    const start = await store.start(job(3), "attempt-3", LONG_LEASE_MS);
    if (start.kind !== "started") throw new Error("not started");
    db.patch("src/k/3", { leaseOwner: "other", leaseExpires: T0 + LONG_LEASE_MS });
    const others = await store.start(job(4), "attempt-4", LONG_LEASE_MS);
    if (others.kind !== "started") throw new Error("not started");
    // Act
    const held = (item: typeof start.item) => ({
      item,
      leaseExpires: T0 + LONG_LEASE_MS,
      leaseMs: LONG_LEASE_MS,
    });
    const three = store.done(job(3), "attempt-3", RESULT, held(start.item));
    const four = store.done(job(4), "attempt-4", RESULT, held(others.item));
    await vi.advanceTimersByTimeAsync(10);
    // Assess: k/3's own conditional write was refused (the other attempt holds it); k/4 written.
    expect(await three).toBe(false);
    expect(await four).toBe(true);
    expect(db.plain("src/k/3")).toMatchObject({ status: "running", leaseOwner: "other" });
    expect(db.plain("src/k/4")).toMatchObject({ status: "done" });
  });

  it("falls back to each entry's own write when the batch call fails", async () => {
    // Prepare: the batch call throws once.
    const { db, store } = storeOnFakeTable(true);
    db.before = (command) => {
      if ((command as object).constructor.name === "BatchWriteItemCommand") {
        throw new Error("ProvisionedThroughputExceededException");
      }
    };
    // Act
    const results = await startAndFinish(store, 3);
    // Assess
    expect(results).toEqual([true, true, true]);
    expect(db.plain("src/k/2")).toMatchObject({ status: "done" });
    expect(db.commands.filter((c) => c === "UpdateItemCommand")).toHaveLength(6);
  });

  it("writes alone, with the condition, when the lease has less than half its time left", async () => {
    // Prepare: a start whose lease is already past half.
    const { db, store } = storeOnFakeTable(true);
    const start = await store.start(JOB, "attempt-1", LEASE_MS);
    if (start.kind !== "started") throw new Error("not started");
    vi.setSystemTime(T0 + 2 * LEASE_MS);
    // Act
    const ok = await store.done(JOB, "attempt-1", RESULT, {
      item: start.item,
      leaseExpires: T0 + LEASE_MS * 3,
      leaseMs: LEASE_MS * 3,
    });
    // Assess: 30 s of a 90 s lease are left: less than half.
    expect(ok).toBe(true);
    expect(db.commands).not.toContain("BatchWriteItemCommand");
  });
});
