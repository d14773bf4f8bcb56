/**
 * The long-haul datasets (issue 15): `mixed` (one large object, a few medium ones, many small
 * ones) and `small` (small objects only). Sizes are parameters; keys and bytes are
 * deterministic (bench/copy's AES-CTR content), so a source bucket generated once is reused.
 */
import type { Dataset, ObjectSpec } from "../copy/datasets.js";

const KIB = 1024;
const MIB = 1024 * KIB;

/** The sizes of both datasets. */
export interface DatasetSizes {
  /** Size of the mixed set's one large object, MiB. */
  readonly largeMiB: number;
  /** Number and size (MiB) of the mixed set's medium objects. */
  readonly mediumCount: number;
  readonly mediumMiB: number;
  /** Number of the mixed set's small objects. */
  readonly mixedSmallCount: number;
  /** Number of the small set's objects. */
  readonly smallCount: number;
  /** Size of every small object, KiB. */
  readonly smallKiB: number;
}

/** The issue's sizes: 100 MiB + 8 × 12 MiB + 200 × 64 KiB (≈ 209 MiB); 1,000 × 64 KiB. */
export const ISSUE_SIZES: DatasetSizes = {
  largeMiB: 100,
  mediumCount: 8,
  mediumMiB: 12,
  mixedSmallCount: 200,
  smallCount: 1000,
  smallKiB: 64,
};

/** A quick run's sizes (the default): 20 MiB + 2 × 12 MiB + 50 × 64 KiB; 200 × 64 KiB. */
export const QUICK_SIZES: DatasetSizes = {
  largeMiB: 20,
  mediumCount: 2,
  mediumMiB: 12,
  mixedSmallCount: 50,
  smallCount: 200,
  smallKiB: 64,
};

export type LongHaulDatasetName = "mixed" | "small";

/** A dataset with its bucket-friendly tag (sizes in the name, so another size gets another bucket). */
export interface LongHaulDataset {
  readonly name: LongHaulDatasetName;
  readonly tag: string;
  readonly description: string;
  readonly dataset: Dataset;
}

function objects(prefix: string, count: number, size: number): ObjectSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `${prefix}/${String(i).padStart(5, "0")}.bin`,
    size,
  }));
}

/** Both datasets for `sizes`. */
export function longHaulDatasets(s: DatasetSizes): Record<LongHaulDatasetName, LongHaulDataset> {
  const small = s.smallKiB * KIB;
  const mixed = [
    ...objects("large", 1, s.largeMiB * MIB),
    ...objects("medium", s.mediumCount, s.mediumMiB * MIB),
    ...objects("small", s.mixedSmallCount, small),
  ].filter((o) => o.size > 0);
  return {
    mixed: {
      name: "mixed",
      tag: `mixed-${s.largeMiB}m-${s.mediumCount}x${s.mediumMiB}m-${s.mixedSmallCount}x${s.smallKiB}k`,
      description: `1 × ${s.largeMiB} MiB + ${s.mediumCount} × ${s.mediumMiB} MiB + ${s.mixedSmallCount} × ${s.smallKiB} KiB`,
      dataset: { name: "mixed", description: "long-haul mixed", objects: mixed, putConcurrency: 4 },
    },
    small: {
      name: "small",
      tag: `small-${s.smallCount}x${s.smallKiB}k`,
      description: `${s.smallCount} × ${s.smallKiB} KiB`,
      dataset: {
        name: "small",
        description: "long-haul small",
        objects: objects("small", s.smallCount, small),
        putConcurrency: 16,
      },
    },
  };
}
