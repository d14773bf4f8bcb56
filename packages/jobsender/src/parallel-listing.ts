import { setMaxListeners } from "node:events";
import pLimit from "p-limit";
import { type ListedObject, listObjectPages, type S3Send, type Scheduler } from "./list-bucket.js";
import { listTopLevelPages, type TopLevelEntry } from "./list-top-level.js";
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
  const { bucket, prefix, pageSize } = options;
  const concurrency = options.concurrency ?? 8;
  const readAheadPages = options.readAheadPages ?? 2;
  if (!Number.isInteger(readAheadPages) || readAheadPages < 1) {
    throw new RangeError(`readAheadPages [${readAheadPages}] must be an integer from 1 and up`);
  }
  const budget = (concurrency + 1) * readAheadPages;
  /** Open sub-listings in listing order; the first is the one being drained (or next to be). */
  const open: ReadAhead<ListedObject[]>[] = [];
  /** A sub-listing's share: the budget minus the pages buffered before it (see above). */
  const share = (chain: ReadAhead<ListedObject[]>): number => {
    let before = 0;
    for (const c of open) {
      if (c === chain) return c === open[0] ? Math.max(1, budget - before) : budget - before;
      before += c.buffered;
    }
    return 1; // not yet registered: just constructed
  };
  /** After the consumer took a page, the sub-listings behind may have room again. */
  const pokeAll = () => {
    for (const c of open) c.poke();
  };
  const limit = pLimit(concurrency);
  const schedule: Scheduler = (task) => limit(task);
  const controller = new AbortController();
  const signal = options.signal
    ? AbortSignal.any([options.signal, controller.signal])
    : controller.signal;
  // Every request in flight listens on this signal: above 10 Node would warn of a leak.
  setMaxListeners(Math.max(10, 2 * (concurrency + 2)), signal);
  const top = new ReadAhead(
    listTopLevelPages(s3, { bucket, prefix, pageSize, signal, schedule }),
    1,
  );
  const window: Pending[] = [];
  let prefixesAhead = 0;
  let objectsAhead = 0;
  let topPage: readonly TopLevelEntry[] = [];
  let topIndex = 0;
  let topDone = false;
  let draining: ReadAhead<ListedObject[]> | undefined;

  /** Reads top-level entries into the window, starting sub-listings, up to the bounds. */
  const fill = async (): Promise<void> => {
    while (!topDone && prefixesAhead < concurrency && objectsAhead < (pageSize ?? 1000)) {
      const entry = topPage[topIndex];
      if (entry === undefined) {
        const next = await top.next();
        if (next.done) topDone = true;
        else [topPage, topIndex] = [next.value, 0];
        continue;
      }
      topIndex++;
      if (entry.kind === "object") {
        window.push(entry);
        objectsAhead++;
      } else {
        const sub = { bucket, prefix, subPrefix: entry.prefix, pageSize, signal, schedule };
        const pages = new ReadAhead(listObjectPages(s3, sub), share);
        open.push(pages);
        window.push({ kind: "prefix", pages });
        prefixesAhead++;
      }
    }
  };

  try {
    for (;;) {
      await fill();
      const head = window.shift();
      if (head === undefined) return;
      if (head.kind === "object") {
        objectsAhead--;
        yield head.object;
        continue;
      }
      prefixesAhead--;
      draining = head.pages;
      await fill(); // start the next sub-listing while this one drains
      for await (const page of head.pages) {
        pokeAll();
        yield* page;
      }
      open.shift(); // head.pages, drained: the budget passes to the next sub-listing
      pokeAll();
      draining = undefined;
    }
  } finally {
    controller.abort();
    const open = window.flatMap((p) => (p.kind === "prefix" ? [p.pages] : []));
    if (draining) open.push(draining);
    await Promise.all([top.return(), ...open.map((pages) => pages.return())]);
  }
}
