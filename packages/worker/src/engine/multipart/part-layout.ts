import { MAX_OBJECT_SIZE, MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE } from "../transfer/s3-limits.js";

const MIB = 1024 * 1024;

/** One part of a multipart copy: bytes `[start, end)` of the object. */
export interface PartSpec {
  readonly partNumber: number;
  readonly start: number;
  readonly end: number;
  readonly size: number;
}

/** How an object is cut into parts, and where the cut came from. */
export interface PartLayout {
  readonly partSize: number;
  readonly parts: readonly PartSpec[];
  /** `mirror`: the source's own part boundaries, so the composite ETags must be equal. */
  readonly origin: "planned" | "mirror";
}

/**
 * The part size for an object: `chunkSize`, grown (in whole MiB) so the object needs at most
 * 10,000 parts. Uses a ceiling, so no size yields part 10,001 (lib-storage's `floor` can).
 * Throws a RangeError for objects larger than S3 allows (10,000 × 5 GiB).
 */
export function partSizeFor(objectSize: number, chunkSize: number): number {
  if (!Number.isSafeInteger(objectSize) || objectSize < 0) {
    throw new RangeError(`object size [${objectSize}] is not a whole number of bytes`);
  }
  if (objectSize > MAX_OBJECT_SIZE) {
    throw new RangeError(
      `object size [${objectSize}] exceeds the S3 maximum of ${MAX_OBJECT_SIZE} bytes`,
    );
  }
  const needed = Math.ceil(objectSize / MAX_PARTS);
  if (needed <= chunkSize) return chunkSize;
  return Math.min(MAX_PART_SIZE, Math.ceil(needed / MIB) * MIB);
}

/** Cuts `objectSize` bytes into parts of `partSize` (the last one shorter). */
export function layoutWithPartSize(objectSize: number, partSize: number): PartSpec[] {
  const parts: PartSpec[] = [];
  const count = Math.max(1, Math.ceil(objectSize / partSize));
  for (let i = 0; i < count; i++) {
    const start = i * partSize;
    const end = Math.min(objectSize, start + partSize);
    parts.push({ partNumber: i + 1, start, end, size: end - start });
  }
  return parts;
}

/** The layout this tool chooses for an object when it cannot mirror the source's. */
export function planLayout(objectSize: number, chunkSize: number): PartLayout {
  const partSize = partSizeFor(objectSize, chunkSize);
  return { partSize, parts: layoutWithPartSize(objectSize, partSize), origin: "planned" };
}

/**
 * The source's own layout, when its first part's size and part count describe a uniform cut
 * (every part but the last the same size, as every mainstream uploader makes them). Returns
 * `undefined` when they do not fit together; the final composite-ETag check catches a source
 * whose parts were not uniform after all.
 */
export function mirrorLayout(
  objectSize: number,
  partsCount: number,
  firstPartSize: number,
  minPartSize = MIN_PART_SIZE,
): PartLayout | undefined {
  if (!Number.isSafeInteger(partsCount) || partsCount < 2 || partsCount > MAX_PARTS)
    return undefined;
  if (firstPartSize < minPartSize || firstPartSize > MAX_PART_SIZE) return undefined;
  const beforeLast = (partsCount - 1) * firstPartSize;
  if (beforeLast >= objectSize || objectSize > partsCount * firstPartSize) return undefined;
  return {
    partSize: firstPartSize,
    parts: layoutWithPartSize(objectSize, firstPartSize),
    origin: "mirror",
  };
}
