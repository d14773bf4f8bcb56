/** How an upload of `partsTotal` parts is cut into slices of `sliceParts` parts. */
export interface SlicePlan {
  readonly partsTotal: number;
  readonly sliceParts: number;
  readonly slices: number;
}

/**
 * The plan for an upload: whole parts per slice (`sliceSizeBytes` rounded down to a multiple of
 * the part size, at least one part), or the plan an earlier split of the same upload recorded
 * (`recordedSliceParts`), so slice numbers keep their meaning for the upload's lifetime.
 */
export function planSlices(
  partsTotal: number,
  partSize: number,
  sliceSizeBytes: number,
  recordedSliceParts?: number,
): SlicePlan {
  const sliceParts = recordedSliceParts ?? Math.max(1, Math.floor(sliceSizeBytes / partSize));
  return { partsTotal, sliceParts, slices: Math.max(1, Math.ceil(partsTotal / sliceParts)) };
}

/** The part numbers of slice `n` (1-based), first and last inclusive. */
export function partsOfSlice(plan: SlicePlan, n: number): { first: number; last: number } {
  const first = (n - 1) * plan.sliceParts + 1;
  return { first, last: Math.min(plan.partsTotal, n * plan.sliceParts) };
}

/** Slice numbers split by whether every part of the slice is in `present`. */
export function slicesByPresence(
  plan: SlicePlan,
  present: ReadonlySet<number> | ReadonlyMap<number, unknown>,
): { complete: number[]; missing: number[] } {
  const complete: number[] = [];
  const missing: number[] = [];
  for (let n = 1; n <= plan.slices; n++) {
    const { first, last } = partsOfSlice(plan, n);
    let all = true;
    for (let pn = first; pn <= last && all; pn++) all = present.has(pn);
    (all ? complete : missing).push(n);
  }
  return { complete, missing };
}
