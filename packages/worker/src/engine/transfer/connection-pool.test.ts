import { describe, expect, it } from "vitest";
import { ConnectionPool } from "./connection-pool.js";

describe("ConnectionPool.reserve", () => {
  it("counts reserved connections as claimed until released, once", () => {
    // Prepare
    const pool = new ConnectionPool(8);
    // Act
    const release = pool.reserve(5);
    const claimed = { pending: pool.pending, free: pool.free };
    release();
    release();
    // Assess
    expect(claimed).toEqual({ pending: 5, free: 3 });
    expect({ pending: pool.pending, free: pool.free }).toEqual({ pending: 0, free: 8 });
  });

  it("never reserves more than the pool holds", () => {
    // Prepare
    const pool = new ConnectionPool(4);
    // Act
    pool.reserve(40);
    // Assess
    expect(pool.pending).toBe(4);
    expect(pool.free).toBe(0);
  });
});
