import { describe, expect, it } from "vitest";
import { partsOfSlice, planSlices, slicesByPresence } from "./slice-plan.js";

const MIB = 1024 * 1024;

describe("planSlices", () => {
  it("cuts whole parts per slice, the last slice shorter", () => {
    const plan = planSlices(10, 5 * MIB, 12 * MIB);
    expect(plan).toEqual({ partsTotal: 10, sliceParts: 2, slices: 5 });
    expect(partsOfSlice(plan, 1)).toEqual({ first: 1, last: 2 });
    expect(partsOfSlice(planSlices(11, 5 * MIB, 12 * MIB), 6)).toEqual({ first: 11, last: 11 });
  });

  it("puts at least one part in a slice smaller than a part", () => {
    expect(planSlices(3, 8 * MIB, 5 * MIB)).toEqual({ partsTotal: 3, sliceParts: 1, slices: 3 });
  });

  it("keeps the parts per slice an earlier split of the upload recorded", () => {
    expect(planSlices(10, 5 * MIB, 50 * MIB, 3)).toEqual({
      partsTotal: 10,
      sliceParts: 3,
      slices: 4,
    });
  });
});

describe("slicesByPresence", () => {
  it("calls a slice complete only when every one of its parts is present", () => {
    const plan = planSlices(7, 1, 3);
    expect(slicesByPresence(plan, new Set([1, 2, 3, 4, 6, 7]))).toEqual({
      complete: [1, 3],
      missing: [2],
    });
    expect(slicesByPresence(plan, new Map())).toEqual({ complete: [], missing: [1, 2, 3] });
  });
});
