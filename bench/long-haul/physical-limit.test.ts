import { describe, expect, it } from "vitest";
import { MIN_PART_BYTES, objectLimitSeconds, physicalLimitSeconds } from "./physical-limit.js";

const link = { rttMs: 200, perConnectionBytesPerSec: 1e6 };

describe("physicalLimitSeconds", () => {
  it("sends a small object as one PUT: one round trip plus its bytes", () => {
    expect(objectLimitSeconds(64 * 1024, link)).toBeCloseTo(0.2 + 0.065536, 6);
  });

  it("cuts a large object into 5 MiB parts: three round trips plus one part", () => {
    expect(objectLimitSeconds(100 * 1024 * 1024, link)).toBeCloseTo(0.6 + MIN_PART_BYTES / 1e6, 6);
  });

  it("adds the listing's round trip to the slowest object", () => {
    const sizes = [100 * 1024 * 1024, 65536, 65536];
    expect(physicalLimitSeconds(sizes, link)).toBeCloseTo(0.2 + 0.6 + MIN_PART_BYTES / 1e6, 6);
  });

  it("never beats the total cap", () => {
    const sizes = Array.from({ length: 1000 }, () => 1e6);
    expect(physicalLimitSeconds(sizes, { ...link, totalBytesPerSec: 10e6 })).toBe(100);
  });
});
