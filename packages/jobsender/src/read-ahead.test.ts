import { describe, expect, it } from "vitest";
import { ReadAhead } from "./read-ahead.js";

/** A counting source: records how many items were pulled and whether it was closed. */
function countingSource(count: number, failAt?: number) {
  const state = { pulled: 0, closed: false };
  async function* generate(): AsyncGenerator<number> {
    try {
      for (let i = 0; i < count; i++) {
        if (i === failAt) throw new Error(`source failed at ${i}`);
        state.pulled++;
        yield i;
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, source: generate() };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("ReadAhead", () => {
  it("yields every item in order", async () => {
    // Prepare
    const { source } = countingSource(10);

    // Act
    const items: number[] = [];
    for await (const item of new ReadAhead(source, 3)) items.push(item);

    // Assess
    expect(items).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("pulls ahead eagerly but never more than its size", async () => {
    // Prepare
    const { state, source } = countingSource(100);

    // Act
    const ahead = new ReadAhead(source, 3);
    await settle();
    const pulledBeforeAnyRead = state.pulled;
    await ahead.next();
    await settle();

    // Assess
    expect(pulledBeforeAnyRead).toBe(3);
    expect(state.pulled).toBe(4);
    expect(ahead.buffered).toBe(3);
  });

  it("throws a source error after the items that came before it", async () => {
    // Prepare
    const { source } = countingSource(10, 2);
    const items: number[] = [];

    // Act
    const error = await (async () => {
      for await (const item of new ReadAhead(source, 5)) items.push(item);
    })().catch((e: unknown) => e);

    // Assess
    expect(items).toEqual([0, 1]);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("source failed at 2");
  });

  it("stops pulling and closes the source on break", async () => {
    // Prepare
    const { state, source } = countingSource(100);

    // Act
    for await (const item of new ReadAhead(source, 2)) {
      if (item === 1) break;
    }
    const pulled = state.pulled;
    await settle();

    // Assess
    expect(state.closed).toBe(true);
    expect(state.pulled).toBe(pulled);
    expect(pulled).toBeLessThanOrEqual(4);
  });

  it("refuses a size below 1", () => {
    // Prepare
    const { source } = countingSource(1);

    // Act
    const build = () => new ReadAhead(source, 0);

    // Assess
    expect(build).toThrow("read-ahead size [0] must be an integer from 1 and up");
  });
});
