import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryBudget } from "./memory-budget.js";

const tick = () => new Promise((r) => setImmediate(r));

describe("MemoryBudget.lease", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("reuses a buffer given back as reusable, keeping its bytes reserved while idle", async () => {
    // Prepare
    const budget = new MemoryBudget(100);
    const first = await budget.lease(40);
    const buffer = first.bytes().buffer;
    // Act
    first.release(true);
    const second = await budget.lease(40);
    // Assess
    expect(second.bytes().buffer).toBe(buffer);
    expect(budget.used).toBe(40);
    second.release(true);
    expect(budget.used).toBe(40);
    expect(budget.idleBytes).toBe(40);
  });

  it("never hands out again a buffer given back as not reusable (a send may still read it)", async () => {
    const budget = new MemoryBudget(100);
    const first = await budget.lease(40);
    first.append(Buffer.from("part one"));
    const sent = first.bytes();
    first.release(false);
    const second = await budget.lease(40);
    second.append(Buffer.from("part two"));
    expect(second.bytes().buffer).not.toBe(sent.buffer);
    expect(sent.toString()).toBe("part one");
    expect(budget.used).toBe(40);
  });

  it("refuses appends and reads after release, so a late chunk cannot land in a reused buffer", async () => {
    const budget = new MemoryBudget(100);
    const stale = await budget.lease(10);
    stale.release(true);
    const current = await budget.lease(10);
    current.append(Buffer.from("fresh"));
    expect(() => stale.append(Buffer.from("late"))).toThrow(/after release/);
    expect(() => stale.bytes()).toThrow(/after release/);
    expect(current.bytes().toString()).toBe("fresh");
    stale.release(true); // a second release does nothing
    expect(budget.used).toBe(10);
  });

  it("refuses a chunk past the capacity", async () => {
    const budget = new MemoryBudget(100);
    const lease = await budget.lease(4);
    lease.append(Buffer.from("abc"));
    expect(() => lease.append(Buffer.from("de"))).toThrow(/does not fit/);
    expect(lease.filled).toBe(3);
  });

  it("gives idle buffers back at once when a reservation would otherwise wait", async () => {
    // Prepare: 80 of 100 bytes idle in the pool.
    const budget = new MemoryBudget(100);
    const a = await budget.lease(40);
    const b = await budget.lease(40);
    a.release(true);
    b.release(true);
    // Act
    const release = await budget.reserve(60);
    // Assess
    expect(budget.idleBytes).toBe(0);
    expect(budget.used).toBe(60);
    release();
  });

  it("does not keep a buffer while someone waits for budget", async () => {
    const budget = new MemoryBudget(100);
    const lease = await budget.lease(80);
    let granted = false;
    const waiting = budget.reserve(50).then((release) => {
      granted = true;
      return release;
    });
    await tick();
    expect(granted).toBe(false);
    lease.release(true);
    (await waiting)();
    expect(granted).toBe(true);
    expect(budget.idleBytes).toBe(0);
    expect(budget.used).toBe(0);
  });

  it("hands a buffer given back to the first waiter for a part buffer of its size", async () => {
    // Prepare: a full budget of equal parts, one more part waiting
    const budget = new MemoryBudget(100);
    const first = await budget.lease(60);
    first.append(Buffer.from("part one"));
    const buffer = first.bytes().buffer;
    const waiting = budget.lease(60);
    await tick();
    // Act
    first.release(true);
    const second = await waiting;
    // Assess: the same memory, its reservation passed on, nothing freed or allocated
    expect(second.bytes().buffer).toBe(buffer);
    expect(second.filled).toBe(0);
    expect(budget.used).toBe(60);
    second.release(true);
    expect(budget.idleBytes).toBe(60);
  });

  it("hands no buffer past an earlier waiter", async () => {
    // Prepare: a reservation of 50 waits first, then a part buffer of 60
    const budget = new MemoryBudget(100);
    const first = await budget.lease(60);
    const buffer = first.bytes().buffer;
    const order: string[] = [];
    const small = budget.reserve(50).then((release) => {
      order.push("reserve 50");
      return release;
    });
    const part = budget.lease(60).then((lease) => {
      order.push("lease 60");
      return lease;
    });
    await tick();
    // Act
    first.release(true);
    await tick();
    const releaseSmall = await small;
    // Assess: the 50 went first (in order); the 60 still waits, for room, not for the buffer
    expect(order).toEqual(["reserve 50"]);
    releaseSmall();
    const lease = await part;
    expect(lease.bytes().buffer).not.toBe(buffer);
    expect(budget.used).toBe(60);
  });

  it("hands no buffer to a waiter for another size", async () => {
    const budget = new MemoryBudget(100);
    const first = await budget.lease(60);
    const buffer = first.bytes().buffer;
    const waiting = budget.lease(50);
    await tick();
    first.release(true);
    const other = await waiting;
    expect(other.capacity).toBe(50);
    expect(other.bytes().buffer).not.toBe(buffer);
    expect(budget.used).toBe(50);
  });

  it("drops buffers that stayed idle for 5 s", async () => {
    vi.useFakeTimers();
    const budget = new MemoryBudget(100);
    (await budget.lease(30)).release(true);
    expect(budget.used).toBe(30);
    vi.advanceTimersByTime(5_001);
    expect(budget.used).toBe(0);
    expect(budget.idleBytes).toBe(0);
  });

  it("gives up waiting for budget when aborted", async () => {
    const budget = new MemoryBudget(10);
    const held = await budget.lease(10);
    const controller = new AbortController();
    const waiting = budget.lease(10, controller.signal);
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    held.release(false);
    expect(budget.used).toBe(0);
  });
});
