import { describe, expect, it } from "vitest";
import { MAX_OBJECT_SIZE, MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE } from "../transfer/s3-limits.js";
import { layoutWithPartSize, mirrorLayout, partSizeFor, planLayout } from "./part-layout.js";

const MIB = 1024 * 1024;
const TIB = 1024 * 1024 * MIB;

describe("partSizeFor", () => {
  it("keeps ChunkSize while the object fits in 10,000 parts", () => {
    expect(partSizeFor(1, 5 * MIB)).toBe(5 * MIB);
    expect(partSizeFor(10_000 * 5 * MIB, 5 * MIB)).toBe(5 * MIB);
  });

  it("keeps a small test-only chunk size as it is", () => {
    expect(partSizeFor(1100 * 64 * 1024, 64 * 1024)).toBe(64 * 1024);
  });

  it("grows past ChunkSize, in whole MiB, one byte later", () => {
    expect(partSizeFor(10_000 * 5 * MIB + 1, 5 * MIB)).toBe(6 * MIB);
  });

  it("never needs part 10,001 and never goes below 5 MiB, up to 48.8 TiB", () => {
    // Prepare: boundaries, the largest object and a seeded spread of sizes in between.
    const sizes = [0, 1, MIN_PART_SIZE, MAX_OBJECT_SIZE, MAX_OBJECT_SIZE - 1, 48.8 * TIB, TIB + 1];
    let x = 12345;
    for (let i = 0; i < 2000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      sizes.push(Math.floor((x / 2 ** 31) * MAX_OBJECT_SIZE));
    }
    for (const size of sizes.map(Math.floor)) {
      // Act
      const partSize = partSizeFor(size, 5 * MIB);
      // Assess
      expect(Math.ceil(size / partSize)).toBeLessThanOrEqual(MAX_PARTS);
      expect(partSize).toBeGreaterThanOrEqual(MIN_PART_SIZE);
      expect(partSize).toBeLessThanOrEqual(MAX_PART_SIZE);
    }
  });

  it("refuses objects larger than S3 allows", () => {
    expect(() => partSizeFor(MAX_OBJECT_SIZE + 1, 5 * MIB)).toThrow(/exceeds the S3 maximum/);
    expect(() => partSizeFor(-1, 5 * MIB)).toThrow(RangeError);
  });
});

describe("planLayout", () => {
  it("cuts contiguous parts, only the last one shorter", () => {
    const { parts } = planLayout(12 * MIB + 7, 5 * MIB);
    expect(parts).toEqual([
      { partNumber: 1, start: 0, end: 5 * MIB, size: 5 * MIB },
      { partNumber: 2, start: 5 * MIB, end: 10 * MIB, size: 5 * MIB },
      { partNumber: 3, start: 10 * MIB, end: 12 * MIB + 7, size: 2 * MIB + 7 },
    ]);
  });

  it("gives exactly one part for exactly one part's bytes", () => {
    expect(planLayout(5 * MIB, 5 * MIB).parts).toHaveLength(1);
    expect(planLayout(5 * MIB + 1, 5 * MIB).parts.map((p) => p.size)).toEqual([5 * MIB, 1]);
  });

  it("covers every byte once for many sizes", () => {
    for (const size of [1, 999, 5 * MIB - 1, 17 * MIB + 3, 100 * MIB]) {
      const parts = layoutWithPartSize(size, 5 * MIB);
      expect(parts.reduce((n, p) => n + p.size, 0)).toBe(size);
      for (const [i, p] of parts.entries()) expect(p.start).toBe(i === 0 ? 0 : parts[i - 1]?.end);
    }
  });
});

describe("mirrorLayout", () => {
  it("rebuilds a uniform source layout from its first part and part count", () => {
    const layout = mirrorLayout(20 * MIB + 5, 3, 8 * MIB);
    expect(layout?.origin).toBe("mirror");
    expect(layout?.parts.map((p) => p.size)).toEqual([8 * MIB, 8 * MIB, 4 * MIB + 5]);
  });

  it.each([
    ["a count that does not fit the size", 20 * MIB, 2, 8 * MIB],
    ["one part only", 8 * MIB, 1, 8 * MIB],
    ["a part below S3's minimum", 12 * MIB, 3, 4 * MIB],
    ["more parts than the size allows", 16 * MIB, 3, 8 * MIB],
  ])("refuses %s", (_what, size, count, first) => {
    expect(mirrorLayout(size, count, first)).toBeUndefined();
  });
});
