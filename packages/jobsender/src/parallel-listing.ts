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
  /** Pages each sub-listing may hold ahead of the consumer. @default 2 */
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
 * Memory bound: at most `concurrency + 1` sub-listings are open, each holding at most
 * `readAheadPages + 1` pages (buffered and in flight) plus the page being drained; the
 * top-level listing holds at most 3 pages and `pageSize` objects waiting. In all
 * `pageSize × ((concurrency + 1) × (readAheadPages + 1) + 5)` objects: 32,000 with the
 * defaults, a few MB, whatever the bucket holds.
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
  const limit = pLimit(concurrency);
  const schedule: Scheduler = (task) => limit(task);
  const controller = new AbortController();
  const signal = options.signal
    ? AbortSignal.any([options.signal, controller.signal])
    : controller.signal;
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
        window.push({
          kind: "prefix",
          pages: new ReadAhead(listObjectPages(s3, sub), readAheadPages),
        });
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
      for await (const page of head.pages) yield* page;
      draining = undefined;
    }
  } finally {
    controller.abort();
    const open = window.flatMap((p) => (p.kind === "prefix" ? [p.pages] : []));
    if (draining) open.push(draining);
    await Promise.all([top.return(), ...open.map((pages) => pages.return())]);
  }
}
