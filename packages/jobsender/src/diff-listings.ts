import { compareEtags } from "./etag-compare.js";
import { compareKeys } from "./key-order.js";
import type { ListedObject } from "./list-bucket.js";
import { ListingOrderError, type ListingSide } from "./listing-errors.js";

/** What to compare when a key exists on both sides (see README "## Diff"). */
export type CompareMode = "size" | "size+etag";

/** Why a source object needs a copy. */
export type DiffKind = "missing" | "size-differs" | "etag-differs";

/** One source object that needs a copy. */
export interface DiffEntry {
  readonly kind: DiffKind;
  /** The source object (key relative to the source prefix). */
  readonly source: ListedObject;
  /** The destination object under the same relative key; absent when `kind` is `"missing"`. */
  readonly destination?: ListedObject | undefined;
}

/** Running counts of a diff, updated as entries are produced (readable at any time). */
export interface DiffStats {
  /** Source objects read. */
  sourceObjects: number;
  /** Destination objects read. */
  destinationObjects: number;
  /** Keys on both sides that need no copy. */
  identical: number;
  missing: number;
  sizeDiffers: number;
  etagDiffers: number;
  /** `size+etag` only: equal sizes whose ETags could not be compared (size decided). */
  etagIncomparable: number;
  /**
   * Destination objects with no source object: counted, never yielded (nothing to copy). Only
   * those before the last source key unless `drainDestination` is set.
   */
  destinationOnly: number;
}

/** Options of {@link diffListings}. */
export interface DiffOptions {
  /** What decides that an object present on both sides needs a copy again. */
  readonly compare: CompareMode;
  /** Counts to update; create them with {@link createDiffStats}. @default none */
  readonly stats?: DiffStats | undefined;
  /**
   * Read the destination to its end after the last source key, so that `destinationOnly` counts
   * every destination-only object and the whole destination is order-checked. Off, the
   * destination listing is closed as soon as the source ends (no requests for keys that cannot
   * match, e.g. unrelated data after the source's keys in a bucket-root destination).
   * @default false
   */
  readonly drainDestination?: boolean | undefined;
}

/** Zeroed {@link DiffStats}. */
export function createDiffStats(): DiffStats {
  return {
    sourceObjects: 0,
    destinationObjects: 0,
    identical: 0,
    missing: 0,
    sizeDiffers: 0,
    etagDiffers: 0,
    etagIncomparable: 0,
    destinationOnly: 0,
  };
}

/**
 * Merges a source and a destination listing (keys relative to their prefixes, both in UTF-8
 * binary order as S3 lists them) in one pass and yields each source object that needs a copy.
 * Memory does not depend on the number of keys: one object of each side is held at a time.
 *
 * Destination-only objects are counted in `stats.destinationOnly` and never yielded. Both
 * listings are started at once; the destination is closed when the source ends unless
 * `drainDestination` is set.
 *
 * @throws ListingOrderError when a side is not strictly increasing (a key went backwards or came
 * twice): a diff of unordered listings would produce wrong jobs.
 * @example
 * const stats = createDiffStats();
 * const source = listObjects(srcS3, { bucket: "src", prefix: "logs/" });
 * const destination = listObjects(dstS3, { bucket: "dst", prefix: "" });
 * for await (const entry of diffListings(source, destination, { compare: "size+etag", stats })) {
 *   await enqueue(entry.source);
 * }
 */
export async function* diffListings(
  source: AsyncIterable<ListedObject>,
  destination: AsyncIterable<ListedObject>,
  options: DiffOptions,
): AsyncGenerator<DiffEntry, void, undefined> {
  const stats = options.stats ?? createDiffStats();
  const withEtag = options.compare === "size+etag";
  const src = new OrderedCursor(source, "source", stats);
  const dst = new OrderedCursor(destination, "destination", stats);
  try {
    let [s, d] = await Promise.all([src.next(), dst.next()]);
    while (s !== undefined) {
      const order = d === undefined ? -1 : compareKeys(s.key, d.key);
      if (order > 0 && d !== undefined) {
        stats.destinationOnly++;
        d = await dst.next();
        continue;
      }
      if (order < 0 || d === undefined) {
        stats.missing++;
        yield { kind: "missing", source: s };
      } else {
        const kind = compareObjects(s, d, withEtag, stats);
        if (kind !== undefined) yield { kind, source: s, destination: d };
        d = await dst.next();
      }
      s = await src.next();
    }
    while (d !== undefined && options.drainDestination) {
      stats.destinationOnly++;
      d = await dst.next();
    }
  } finally {
    await Promise.all([src.close(), dst.close()]);
  }
}

function compareObjects(
  s: ListedObject,
  d: ListedObject,
  withEtag: boolean,
  stats: DiffStats,
): DiffKind | undefined {
  if (s.size !== d.size) {
    stats.sizeDiffers++;
    return "size-differs";
  }
  if (withEtag) {
    const etags = compareEtags(s.etag, d.etag);
    if (etags === "different") {
      stats.etagDiffers++;
      return "etag-differs";
    }
    if (etags === "incomparable") stats.etagIncomparable++;
  }
  stats.identical++;
  return undefined;
}

/** Reads one listing, counts its objects and checks that its keys strictly increase. */
class OrderedCursor {
  readonly #iterator: AsyncIterator<ListedObject>;
  readonly #side: ListingSide;
  readonly #stats: DiffStats;
  #previous: string | undefined;
  #ended = false;

  constructor(listing: AsyncIterable<ListedObject>, side: ListingSide, stats: DiffStats) {
    this.#iterator = listing[Symbol.asyncIterator]();
    this.#side = side;
    this.#stats = stats;
  }

  async next(): Promise<ListedObject | undefined> {
    const result = await this.#iterator.next();
    if (result.done) {
      this.#ended = true;
      return undefined;
    }
    const object = result.value;
    const previous = this.#previous;
    if (previous !== undefined && compareKeys(previous, object.key) >= 0) {
      throw new ListingOrderError(this.#side, previous, object.key);
    }
    this.#previous = object.key;
    if (this.#side === "source") this.#stats.sourceObjects++;
    else this.#stats.destinationObjects++;
    return object;
  }

  /** Closes the listing unless it ran to its end (early exit, an error on either side). */
  async close(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    await this.#iterator.return?.();
  }
}
