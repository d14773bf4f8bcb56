import type { AttributeValue } from "@aws-sdk/client-dynamodb";

/**
 * How far a giant object split into slices has got, from its status item (`splitSlices`,
 * `splitSliceParts`, `slicesDone`, `uploadPartSize`, `failedSlice`): many workers copy its
 * slices at once, so parts done / total and the lease say nothing about it.
 */
export interface SplitProgress {
  /** Slices of the object. */
  readonly slices: number;
  /** Slices copied. */
  readonly slicesDone: number;
  /**
   * Bytes of the slices copied; undefined when the item lacks the layout (parts per slice or
   * part size), so that ops never see a made-up figure.
   */
  readonly bytesDone: number | undefined;
  /** The slice whose failure the item's status shows. */
  readonly failedSlice: number | undefined;
}

const num = (v: AttributeValue | undefined): number | undefined =>
  v?.N === undefined ? undefined : Number(v.N);

/** The split progress of a status item; undefined for an object that is not split. */
export function splitProgressOf(item: Record<string, AttributeValue>): SplitProgress | undefined {
  const slices = num(item.splitSlices);
  if (slices === undefined || !Number.isInteger(slices) || slices < 1) return undefined;
  // A number set never repeats, but a slice number outside 1..slices (a layout changed by a
  // re-split while an old slice's ADD landed) must not count.
  const done = (item.slicesDone?.NS ?? [])
    .map(Number)
    .filter((n) => Number.isInteger(n) && n >= 1 && n <= slices);
  const sliceParts = num(item.splitSliceParts);
  const partSize = num(item.uploadPartSize);
  const size = num(item.sizeBytes) ?? 0;
  return {
    slices,
    slicesDone: done.length,
    bytesDone:
      sliceParts !== undefined && partSize !== undefined && sliceParts > 0 && partSize > 0
        ? sliceBytesDone(done, size, sliceParts, partSize)
        : undefined,
    failedSlice: num(item.failedSlice),
  };
}

/**
 * Bytes of the slices `done` of an object of `size` bytes, each slice `sliceParts` parts of
 * `partSize` bytes: slice n spans [(n-1)·k·ps, min(size, n·k·ps)), so the last one may be
 * shorter.
 */
export function sliceBytesDone(
  done: Iterable<number>,
  size: number,
  sliceParts: number,
  partSize: number,
): number {
  const span = sliceParts * partSize;
  let bytes = 0;
  for (const n of done) bytes += Math.max(0, Math.min(size, n * span) - (n - 1) * span);
  return bytes;
}

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/**
 * `3.0 GiB of 8.0 GiB`: both in the unit of the total (GiB from 1 GiB up, MiB below, as a low
 * split threshold in tests makes), so the two read at a glance; `-` for bytes done not known.
 */
export function formatSplitBytes(done: number | undefined, total: number): string {
  const [unit, name] = total >= GIB ? [GIB, "GiB"] : [MIB, "MiB"];
  const fmt = (bytes: number) => `${(bytes / unit).toFixed(1)} ${name}`;
  return `${done === undefined ? "-" : fmt(done)} of ${fmt(total)}`;
}

/** `slices 3/8` */
export function formatSlices(split: SplitProgress): string {
  return `slices ${split.slicesDone}/${split.slices}`;
}
