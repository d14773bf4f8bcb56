import { setMaxListeners } from "node:events";
import pLimit from "p-limit";
import { type ListedObject, listObjectPages, type S3Send, type Scheduler } from "./list-bucket.js";
import {
  type ListTopLevelOptions,
  listTopLevelPages,
  type TopLevelEntry,
} from "./list-top-level.js";
import { ReadAhead } from "./read-ahead.js";

/** Options of {@link listObjectsParallel}. */
export interface ParallelListOptions {
  /** The bucket to list. */
  readonly bucket: string;
  /** The "folder" to list, as in `listObjects` (`"a"` and `"a/"` both mean `a/`). */
  readonly prefix: string;
  /** `MaxKeys` of each request. @default 1000 */
  readonly pageSize?: number | undefined;
  /** Aborts the whole listing; every `send` gets a signal derived from it. @default none */
  readonly signal?: AbortSignal | undefined;
  /**
   * `ListObjectsV2` requests in flight at once (one `p-limit` limiter for all of them), and how
   * many sub-listings are started ahead of the one being consumed. @default 8
   */
  readonly concurrency?: number | undefined;
  /**
   * Pages read ahead per sub-listing on average: the sub-listings share a budget of
   * `(concurrency + 1) × readAheadPages` buffered pages, handed out in listing order. @default 2
   */
  readonly readAheadPages?: number | undefined;
}

type Pending =
  | { readonly kind: "object"; readonly object: ListedObject }
  | { readonly kind: "prefix"; readonly pages: ReadAhead<ListedObject[]> };

/**
 * Lists a prefix with concurrent requests and yields exactly what `listObjects` yields (same
 * objects, same relative keys, same UTF-8 binary order).
 *
 * How: a `Delimiter: "/"` listing gives the top-level objects and the common prefixes in
 * order; each common prefix is listed by its own sub-listing, started as soon as it is within
 * `concurrency` prefixes of the consumer, and read ahead into a bounded buffer. The output walks
 * the top-level entries in order, yielding each object and draining each sub-listing in turn,
 * so the streams are concatenated in order while fetched concurrently.
 *
 * Read-ahead: the open sub-listings share one budget of `(concurrency + 1) × readAheadPages`
 * buffered pages, handed out in listing order: a sub-listing may fetch another page while the
 * pages buffered by it and by every sub-listing before it stay under the budget. The nearest
 * prefixes are thus fetched deep while the consumer is still draining earlier ones. (With a
 * fixed per-prefix depth, a prefix of many pages was drained one round trip at a time while the
 * later sub-listings sat idle with their few pages: measured on 16 prefixes of ~7 pages, as slow
 * as one sequential listing; see docs/BENCHMARKS.md.) The first sub-listing, the one drained,
 * may always fetch up to the whole budget, so the listing never waits on pages held further on.
 *
 * Memory bound: the sub-listings behind the first hold less than the budget together (each
 * fetched only while that held); the first may then grow to the whole budget on its own; each
 * open sub-listing (at most `concurrency + 1`) may add one page in flight; plus the page being
 * drained, and the top-level listing's 3 pages and `pageSize` objects waiting. In all at most
 * `pageSize × (2 × (concurrency + 1) × readAheadPages + concurrency + 6)` objects: 50,000
 * with the defaults (tens of MB), whatever the bucket holds.
 *
 * Parallelism comes only from the top level: a prefix whose data sits under one common prefix
 * is listed at the speed of one sequential listing.
 *
 * @example
 * for await (const object of listObjectsParallel(s3, { bucket: "src", prefix: "", concurrency: 16 })) {
 *   count++;
 * }
 */
export async function* listObjectsParallel(
  s3: S3Send,
  options: ParallelListOptions,
): AsyncGenerator<ListedObject, void, undefined> {
  const concurrency = options.concurrency ?? 8;
  const readAheadPages = options.readAheadPages ?? 2;
  if (!Number.isInteger(readAheadPages) || readAheadPages < 1) {
    throw new RangeError(`readAheadPages [${readAheadPages}] must be an integer from 1 and up`);
  }
  const listing = new ListingWindow(s3, options, concurrency, (concurrency + 1) * readAheadPages);
  try {
    for (;;) {
      await listing.fill();
      const head = listing.take();
      if (head === undefined) return;
      if (head.kind === "object") {
        yield head.object;
        continue;
      }
      await listing.fill(); // start the next sub-listing while this one drains
      for await (const page of head.pages) {
        listing.pokeAll();
        yield* page;
      }
      listing.drained();
    }
  } finally {
    await listing.close();
  }
}

/**
 * The state of one {@link listObjectsParallel}: the top-level listing, the window of entries
 * read ahead of the consumer (objects, and prefixes with their sub-listings started) and the
 * page budget the open sub-listings share.
 */
class ListingWindow {
  readonly #s3: S3Send;
  /** What every request of this listing shares: where, page size, abort signal, limiter. */
  readonly #request: ListTopLevelOptions;
  readonly #concurrency: number;
  readonly #budget: number;
  /** Open sub-listings in listing order; the first is the one being drained (or next to be). */
  readonly #open: ReadAhead<ListedObject[]>[] = [];
  readonly #controller = new AbortController();
  readonly #top: ReadAhead<TopLevelEntry[]>;
  readonly #window: Pending[] = [];
  #prefixesAhead = 0;
  #objectsAhead = 0;
  #topPage: readonly TopLevelEntry[] = [];
  #topIndex = 0;
  #topDone = false;
  #draining: ReadAhead<ListedObject[]> | undefined;

  constructor(s3: S3Send, options: ParallelListOptions, concurrency: number, budget: number) {
    const { bucket, prefix, pageSize } = options;
    this.#s3 = s3;
    this.#concurrency = concurrency;
    this.#budget = budget;
    const limit = pLimit(concurrency);
    const schedule: Scheduler = (task) => limit(task);
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.#controller.signal])
      : this.#controller.signal;
    // Every request in flight listens on this signal: above 10 Node would warn of a leak.
    setMaxListeners(Math.max(10, 2 * (concurrency + 2)), signal);
    this.#request = { bucket, prefix, pageSize, signal, schedule };
    this.#top = new ReadAhead(listTopLevelPages(s3, this.#request), 1);
  }

  /** Reads top-level entries into the window, starting sub-listings, up to the bounds. */
  async fill(): Promise<void> {
    while (
      !this.#topDone &&
      this.#prefixesAhead < this.#concurrency &&
      this.#objectsAhead < (this.#request.pageSize ?? 1000)
    ) {
      const entry = this.#topPage[this.#topIndex];
      if (entry === undefined) {
        const next = await this.#top.next();
        if (next.done) this.#topDone = true;
        else [this.#topPage, this.#topIndex] = [next.value, 0];
        continue;
      }
      this.#topIndex++;
      if (entry.kind === "object") {
        this.#window.push(entry);
        this.#objectsAhead++;
      } else {
        this.#window.push({ kind: "prefix", pages: this.#startSubListing(entry.prefix) });
        this.#prefixesAhead++;
      }
    }
  }

  /** The next entry for the consumer; a prefix's sub-listing becomes the one being drained. */
  take(): Pending | undefined {
    const head = this.#window.shift();
    if (head?.kind === "object") this.#objectsAhead--;
    else if (head?.kind === "prefix") {
      this.#prefixesAhead--;
      this.#draining = head.pages;
    }
    return head;
  }

  /** After the consumer took a page, the sub-listings behind may have room again. */
  pokeAll(): void {
    for (const c of this.#open) c.poke();
  }

  /** The sub-listing being drained is done: the budget passes to the next one. */
  drained(): void {
    this.#open.shift();
    this.pokeAll();
    this.#draining = undefined;
  }

  /** Aborts every request and closes the top-level listing and every sub-listing still open. */
  async close(): Promise<void> {
    this.#controller.abort();
    const open = this.#window.flatMap((p) => (p.kind === "prefix" ? [p.pages] : []));
    if (this.#draining) open.push(this.#draining);
    await Promise.all([this.#top.return(), ...open.map((pages) => pages.return())]);
  }

  #startSubListing(subPrefix: string): ReadAhead<ListedObject[]> {
    const pages = new ReadAhead(
      listObjectPages(this.#s3, { ...this.#request, subPrefix }),
      this.#share,
    );
    this.#open.push(pages);
    return pages;
  }

  /** A sub-listing's share: the budget minus the pages buffered before it (see above). */
  readonly #share = (chain: ReadAhead<ListedObject[]>): number => {
    let before = 0;
    for (const c of this.#open) {
      if (c === chain)
        return c === this.#open[0] ? Math.max(1, this.#budget - before) : this.#budget - before;
      before += c.buffered;
    }
    return 1; // not yet registered: just constructed
  };
}
