import { describe, expect, it } from "vitest";
import { formatSplitBytes, sliceBytesDone, splitProgressOf } from "./split-progress.js";
import type { Item } from "./status-scan-fake.js";

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/** 7.5 GiB in slices of 4 parts of 256 MiB (1 GiB): 8 slices, the last one 0.5 GiB. */
const giant = (slicesDone: string[] | undefined, extra: Item = {}): Item => ({
  sizeBytes: { N: String(7.5 * GIB) },
  splitSlices: { N: "8" },
  splitSliceParts: { N: "4" },
  uploadPartSize: { N: String(256 * MIB) },
  ...(slicesDone === undefined ? {} : { slicesDone: { NS: slicesDone } }),
  ...extra,
});

describe("sliceBytesDone", () => {
  it("adds whole slices and only what the last, shorter slice holds", () => {
    expect(sliceBytesDone([1, 2], 7.5 * GIB, 4, 256 * MIB)).toBe(2 * GIB);
    expect(sliceBytesDone([8], 7.5 * GIB, 4, 256 * MIB)).toBe(0.5 * GIB);
    expect(sliceBytesDone([1, 2, 3, 4, 5, 6, 7, 8], 7.5 * GIB, 4, 256 * MIB)).toBe(7.5 * GIB);
    // A last slice of a single, short part: 2 slices of 3 parts of 5 bytes for 17 bytes.
    expect(sliceBytesDone([2], 17, 3, 5)).toBe(2);
  });
});

describe("splitProgressOf", () => {
  it("counts the slices done and their bytes, the last slice shorter", () => {
    expect(splitProgressOf(giant(["8", "1", "2"], { failedSlice: { N: "4" } }))).toEqual({
      slices: 8,
      slicesDone: 3,
      bytesDone: 2.5 * GIB,
      failedSlice: 4,
    });
  });

  it("has no slice done before the first ADD and ignores numbers outside the layout", () => {
    expect(splitProgressOf(giant(undefined))).toMatchObject({ slicesDone: 0, bytesDone: 0 });
    expect(splitProgressOf(giant(["1", "9", "0"]))).toMatchObject({
      slicesDone: 1,
      bytesDone: GIB,
    });
  });

  it("leaves bytes done unknown without the layout, and is absent for unsplit objects", () => {
    const { splitSliceParts: _, ...noLayout } = giant(["1"]);
    expect(splitProgressOf(noLayout)).toMatchObject({ slicesDone: 1, bytesDone: undefined });
    expect(splitProgressOf({ sizeBytes: { N: "10" }, partsTotal: { N: "2" } })).toBeUndefined();
  });
});

describe("formatSplitBytes", () => {
  it("uses the total's unit for both figures", () => {
    expect(formatSplitBytes(3 * GIB, 8 * GIB)).toBe("3.0 GiB of 8.0 GiB");
    expect(formatSplitBytes(0.5 * GIB, 8 * GIB)).toBe("0.5 GiB of 8.0 GiB");
    expect(formatSplitBytes(20 * MIB, 60 * MIB)).toBe("20.0 MiB of 60.0 MiB");
    expect(formatSplitBytes(undefined, 8 * GIB)).toBe("- of 8.0 GiB");
  });
});
