/**
 * The listing benchmark's dataset: N tiny source objects and a destination with a scripted
 * difference, both derived from the object index alone (no PRNG state), so any N gives the same
 * keys everywhere and the expected result is known without listing anything.
 */
import { forEachLimit, listPages, type S3Client, sdk } from "../copy/s3.js";

/**
 * Top-level prefixes. The jobsender parallelises only across top-level common prefixes, so
 * there are more of them than its 8 concurrent listings. Unicode on purpose: `２０２４～`
 * (U+FF12…) sorts before `😀` in S3's UTF-8 order but after it in JavaScript's UTF-16 order.
 * All NFC, so rclone's Unicode normalisation has nothing to change.
 */
const TOPS = [
  "archive",
  "backup",
  "café",
  "data",
  "images",
  "logs",
  "raw",
  "tmp",
  "users",
  "video",
  "写真",
  "２０２４～",
  "😀-emoji",
  "Zeta",
  "x-y_z",
  "misc",
] as const;

/** Largest object; sizes are 0 B – 2 KiB so 2 × 100,000 objects stay far below memstore's RAM. */
const MAX_SIZE = 2048;
const FILL = Buffer.alloc(MAX_SIZE, 0x61);

/** Per-mille shares of the scripted difference (of source objects). */
const MISSING_BELOW = 20; // 2 % not at the destination
const SIZE_DIFFERS_BELOW = 40; // 2 % at the destination with another size
const EXTRA_BELOW = 45; // 0.5 % get a destination-only sibling `<key>.old`

/** The dataset and what a size-only diff of it must find. */
export interface ListingDataset {
  readonly objects: number;
  /** Source key → size. */
  readonly source: ReadonlyMap<string, number>;
  /** Destination key → size. */
  readonly destination: ReadonlyMap<string, number>;
  /** Source keys absent at the destination. */
  readonly missing: ReadonlySet<string>;
  /** Keys on both sides with different sizes. */
  readonly sizeDiffers: ReadonlySet<string>;
  /** Keys only at the destination. */
  readonly extra: ReadonlySet<string>;
}

/** A 32-bit integer hash (lowbias32): index → well-spread bits, the same on every machine. */
function mix(n: number): number {
  let t = n >>> 0;
  t = Math.imul(t ^ (t >>> 16), 0x7feb352d);
  t = Math.imul(t ^ (t >>> 15), 0x846ca68b);
  return (t ^ (t >>> 16)) >>> 0;
}

/** Key of object `i`: depths 0–3, 16 top-level prefixes, ~550 "directories" per 100,000. */
export function keyOf(i: number): string {
  const n = String(i).padStart(7, "0");
  if (i % 1000 === 999) return `root-${n}.txt`; // 0.1 % directly at the bucket root
  const top = TOPS[i % TOPS.length];
  const j = Math.floor(i / TOPS.length);
  switch (j % 3) {
    case 0:
      return `${top}/${n}.bin`;
    case 1:
      return `${top}/part-${j % 8}/${n}-é.json`;
    default:
      return `${top}/${2020 + (j % 5)}/q${(j % 4) + 1}/${n}😀.log`;
  }
}

export function buildDataset(objects: number): ListingDataset {
  const source = new Map<string, number>();
  const destination = new Map<string, number>();
  const missing = new Set<string>();
  const sizeDiffers = new Set<string>();
  const extra = new Set<string>();
  for (let i = 0; i < objects; i++) {
    const key = keyOf(i);
    const size = mix(2 * i) % (MAX_SIZE + 1);
    const fate = mix(2 * i + 1) % 1000;
    source.set(key, size);
    if (fate < MISSING_BELOW) {
      missing.add(key);
    } else if (fate < SIZE_DIFFERS_BELOW) {
      // 1–20 bytes more, modulo MAX_SIZE + 1: never the same size.
      destination.set(key, (size + 1 + fate - MISSING_BELOW) % (MAX_SIZE + 1));
      sizeDiffers.add(key);
    } else {
      destination.set(key, size);
      if (fate < EXTRA_BELOW) {
        destination.set(`${key}.old`, 7);
        extra.add(`${key}.old`);
      }
    }
  }
  return { objects, source, destination, missing, sizeDiffers, extra };
}

/**
 * Makes the bucket hold exactly `want` (key → size): lists it, PUTs what is absent or has
 * another size, deletes what is not wanted. Idempotent, so an interrupted population resumes
 * and `--keep` buckets are reused without a single PUT. Content is irrelevant to a size-only
 * diff; every object is a run of `a`.
 */
export async function syncBucket(
  s3: S3Client,
  bucket: string,
  want: ReadonlyMap<string, number>,
  concurrency: number,
  log: (msg: string) => void,
): Promise<{ put: number; deleted: number }> {
  const have = new Map<string, number>();
  for await (const page of listPages(s3, bucket)) for (const o of page) have.set(o.key, o.size);
  const toPut = [...want].filter(([key, size]) => have.get(key) !== size);
  const toDelete = [...have.keys()].filter((key) => !want.has(key));
  let done = 0;
  await forEachLimit(toPut, concurrency, async ([Key, size]) => {
    await s3.send(new sdk.PutObjectCommand({ Bucket: bucket, Key, Body: FILL.subarray(0, size) }));
    if (++done % 10_000 === 0) log(`${bucket}: ${done} / ${toPut.length} objects put`);
  });
  await forEachLimit(toDelete, concurrency, async (Key) => {
    await s3.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key }));
  });
  return { put: toPut.length, deleted: toDelete.length };
}
