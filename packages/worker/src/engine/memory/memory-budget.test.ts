import { describe, expect, it } from "vitest";
import { MemoryBudget } from "./memory-budget.js";

const tick = () => new Promise((r) => setImmediate(r));

describe("MemoryBudget", () => {
  it("makes a reservation wait until bytes are released", async () => {
    // Prepare
    const budget = new MemoryBudget(100);
    const releaseA = await budget.reserve(60);
    let granted = false;
    // Act
    const pending = budget.reserve(60).then((release) => {
      granted = true;
      return release;
    });
    await tick();
    // Assess
    expect(granted).toBe(false);
    releaseA();
    (await pending)();
    expect(granted).toBe(true);
    expect(budget.used).toBe(0);
    expect(budget.peak).toBe(60);
  });

  it("serves waiters in order, so a big part is not starved by small ones", async () => {
    const budget = new MemoryBudget(100);
    const first = await budget.reserve(50);
    const order: string[] = [];
    const granted = (name: string) => (release: () => void) => {
      order.push(name);
      return release;
    };
    const big = budget.reserve(100).then(granted("big"));
    const small = budget.reserve(10).then(granted("small"));
    await tick();
    expect(order).toEqual([]);
    first();
    (await big)();
    (await small)();
    expect(order).toEqual(["big", "small"]);
  });

  it("lets a part larger than the whole budget run alone", async () => {
    const budget = new MemoryBudget(100);
    const release = await budget.reserve(250);
    expect(budget.used).toBe(250);
    release();
    release(); // a second release is harmless
    expect(budget.used).toBe(0);
  });

  it("gives up waiting when the copy is aborted", async () => {
    const budget = new MemoryBudget(10);
    const held = await budget.reserve(10);
    const controller = new AbortController();
    const waiting = budget.reserve(5, controller.signal);
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    held();
    expect(budget.used).toBe(0);
  });

  it("refuses a budget that is not a positive whole number", () => {
    expect(() => new MemoryBudget(0)).toThrow(/positive whole number/);
  });
});
