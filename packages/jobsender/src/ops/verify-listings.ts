import type { BucketMapping } from "@s3-migration/common";
import { compareEtags } from "../etag-compare.js";
import { compareKeys } from "../key-order.js";
import { type ListedObject, listingPrefix, type S3Send } from "../list-bucket.js";
import { listObjectsParallel, type ParallelListOptions } from "../parallel-listing.js";
import { type ComparedSides, DeepComparisons } from "./deep-compare.js";

export { md5OfObject } from "./deep-compare.js";

/** How a destination differs from its source at one key. */
export type VerifyKind =
  | "missing"
  | "size-differs"
  | "etag-differs"
  | "content-differs"
  | "destination-only";

/** One difference (keys are full keys). */
export interface VerifyDifference {
  readonly kind: VerifyKind;
  readonly srcBucket: string;
  readonly srcKey?: string | undefined;
  readonly dstBucket: string;
  readonly dstKey?: string | undefined;
  readonly srcSize?: number | undefined;
  readonly dstSize?: number | undefined;
  readonly srcEtag?: string | undefined;
  readonly dstEtag?: string | undefined;
  readonly srcMd5?: string | undefined;
  readonly dstMd5?: string | undefined;
}

/** Running counts of a verification. */
export interface VerifyStats {
  sourceObjects: number;
  destinationObjects: number;
  /** Equal (by size, ETag where comparable, and content with `deep`). */
  identical: number;
  /** Of the identical: equal sizes whose ETags could not be compared (multipart layouts, SSE-KMS). */
  etagIncomparable: number;
  /** Objects downloaded and hashed on both sides. */
  deepCompared: number;
  differences: number;
}

/** Zeroed {@link VerifyStats}. */
export function createVerifyStats(): VerifyStats {
  return {
    sourceObjects: 0,
    destinationObjects: 0,
    identical: 0,
    etagIncomparable: 0,
    deepCompared: 0,
    differences: 0,
  };
}

/** What {@link verifyMapping} needs. */
export interface VerifyDeps {
  readonly source: S3Send;
  readonly destination: S3Send;
  /** Compare ETags where both are MD5-shaped alike (off with SSE-KMS destinations). @default true */
  readonly compareEtags?: boolean | undefined;
  /** Also download both sides of equal-looking objects and compare the MD5 of the bytes. @default false */
  readonly deep?: boolean | undefined;
  /** Objects hashed at once with `deep` (each streams, so memory is a few chunks each). @default 4 */
  readonly deepConcurrency?: number | undefined;
  /** Concurrent ListObjectsV2 requests per side. @default 8 */
  readonly listConcurrency?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Compares one bucket-map entry's source and destination in one streaming merge of both
 * listings (UTF-8 key order, memory independent of the object count) and yields every
 * difference: missing, size, ETag, destination-only and, with `deep`, content. Deep comparisons
 * run with bounded concurrency, so their differences may come out of key order.
 *
 * @example
 * for await (const d of verifyMapping(mapping, { source, destination, deep: true }, stats)) {
 *   report(d);
 * }
 */
export async function* verifyMapping(
  mapping: BucketMapping,
  deps: VerifyDeps,
  stats: VerifyStats,
): AsyncGenerator<VerifyDifference, void, undefined> {
  const sides: ComparedSides = {
    source: deps.source,
    destination: deps.destination,
    srcBucket: mapping.srcBucket,
    dstBucket: mapping.desBucket,
    srcPrefix: listingPrefix(mapping.srcPrefix),
    dstPrefix: listingPrefix(mapping.desPrefix),
    signal: deps.signal,
  };
  const verification: Verification = {
    sides,
    stats,
    withEtag: deps.compareEtags ?? true,
    deep: deps.deep ?? false,
    comparisons: new DeepComparisons(sides, stats, Math.max(1, deps.deepConcurrency ?? 4)),
  };
  const listing = (bucket: string, prefix: string): ParallelListOptions => ({
    bucket,
    prefix,
    concurrency: deps.listConcurrency ?? 8,
    signal: deps.signal,
  });
  const src = openCursor(deps.source, listing(sides.srcBucket, sides.srcPrefix), () => {
    stats.sourceObjects++;
  });
  const dst = openCursor(deps.destination, listing(sides.dstBucket, sides.dstPrefix), () => {
    stats.destinationObjects++;
  });
  try {
    yield* walkListings(verification, src, dst);
    yield* verification.comparisons.finish();
  } finally {
    await verification.comparisons.settle();
    await Promise.all([src.close(), dst.close()]);
  }
}

/**
 * Merges the two key-ordered listings: a key on one side only is a difference at once, a key on
 * both sides goes to {@link compareSameKey}.
 */
async function* walkListings(
  v: Verification,
  src: Cursor,
  dst: Cursor,
): AsyncGenerator<VerifyDifference, void, undefined> {
  let [s, d] = await Promise.all([src.next(), dst.next()]);
  while (s !== undefined || d !== undefined) {
    const order = s === undefined ? 1 : d === undefined ? -1 : compareKeys(s.key, d.key);
    if (order < 0 && s !== undefined) {
      yield difference(v, "missing", s);
      s = await src.next();
      continue;
    }
    if (order > 0 && d !== undefined) {
      yield difference(v, "destination-only", undefined, d);
      d = await dst.next();
      continue;
    }
    if (s === undefined || d === undefined) break;
    yield* compareSameKey(v, s, d);
    [s, d] = await Promise.all([src.next(), dst.next()]);
  }
}

/** What the steps of one {@link verifyMapping} share. */
interface Verification {
  readonly sides: ComparedSides;
  readonly stats: VerifyStats;
  /** Compare ETags where comparable (`VerifyDeps.compareEtags`). */
  readonly withEtag: boolean;
  /** Hash the content of equal-looking objects (`VerifyDeps.deep`). */
  readonly deep: boolean;
  readonly comparisons: DeepComparisons;
}

/** One side's listing, read one object at a time and counted into the stats. */
interface Cursor {
  /** The next object, or `undefined` at the end. */
  next(): Promise<ListedObject | undefined>;
  /** Stops the listing (its requests in flight are aborted). */
  close(): Promise<unknown>;
}

function openCursor(s3: S3Send, options: ParallelListOptions, counted: () => void): Cursor {
  const it = listObjectsParallel(s3, options)[Symbol.asyncIterator]();
  return {
    next: async () => {
      const r = await it.next();
      if (r.done) return undefined;
      counted();
      return r.value;
    },
    close: async () => it.return?.(),
  };
}

/** Compares two objects at the same relative key: size, then ETag, then (with `deep`) content. */
async function* compareSameKey(
  v: Verification,
  s: ListedObject,
  d: ListedObject,
): AsyncGenerator<VerifyDifference, void, undefined> {
  const etags = v.withEtag ? compareEtags(s.etag, d.etag) : "incomparable";
  if (s.size !== d.size) yield difference(v, "size-differs", s, d);
  else if (etags === "different") yield difference(v, "etag-differs", s, d);
  else {
    if (etags === "incomparable") v.stats.etagIncomparable++;
    if (v.deep) yield* v.comparisons.add(s, d);
    else v.stats.identical++;
  }
}

/** A difference found from the listings alone, counted into the stats. */
function difference(
  v: Verification,
  kind: VerifyKind,
  s?: ListedObject,
  d?: ListedObject,
): VerifyDifference {
  v.stats.differences++;
  return {
    srcBucket: v.sides.srcBucket,
    dstBucket: v.sides.dstBucket,
    kind,
    srcKey: s && v.sides.srcPrefix + s.key,
    dstKey: d && v.sides.dstPrefix + d.key,
    srcSize: s?.size,
    dstSize: d?.size,
    srcEtag: s?.etag,
    dstEtag: d?.etag,
  };
}
