import { type _Object, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { mappingPrefix } from "@s3-migration/common";
import { compareKeys } from "./key-order.js";
import { ListingError } from "./listing-errors.js";
import { ReadAhead } from "./read-ahead.js";

/** The narrow S3 client the listing needs (any `S3Client`, or a fake in tests). */
export type S3Send = Pick<S3Client, "send">;

/** Runs one request, e.g. through a `p-limit` limiter. */
export type Scheduler = <T>(task: () => Promise<T>) => Promise<T>;

/** One listed object. */
export interface ListedObject {
  /** The key relative to the listing's prefix (see {@link listingPrefix}). */
  readonly key: string;
  /** Size in bytes. */
  readonly size: number;
  /** The ETag without its quotes (`""` if S3 sent none). */
  readonly etag: string;
  /** When S3 last wrote the object. */
  readonly lastModified?: Date | undefined;
}

/** Options of {@link listObjects} and {@link listObjectPages}. */
export interface ListObjectsOptions {
  /** The bucket to list. */
  readonly bucket: string;
  /**
   * The "folder" to list: `""` lists the whole bucket, `"a"` and `"a/"` both list the keys under
   * `a/`. Keys are yielded relative to it, so `joinKey(prefix, key)` gives the full key back.
   */
  readonly prefix: string;
  /** Lists only keys under this relative sub-prefix (keys stay relative to `prefix`). @default "" */
  readonly subPrefix?: string | undefined;
  /** Starts after this relative key (S3 `StartAfter`, sent on the first request only). @default none */
  readonly startAfter?: string | undefined;
  /** Stops at the first relative key ≥ this one, without asking for further pages. @default none */
  readonly endBefore?: string | undefined;
  /** `MaxKeys` of each request; S3 caps it at 1,000. @default 1000 */
  readonly pageSize?: number | undefined;
  /** Aborts the requests in flight; passed to every `send` as `abortSignal`. @default none */
  readonly signal?: AbortSignal | undefined;
  /** Runs each `send`, e.g. a `p-limit` limiter shared by parallel listings. @default runs at once */
  readonly schedule?: Scheduler | undefined;
}

/** Options of {@link listObjects}. */
export interface ListObjectsStreamOptions extends ListObjectsOptions {
  /** Pages fetched ahead of the consumer (0: fetch on demand). @default 1 */
  readonly prefetchPages?: number | undefined;
}

const DEFAULT_PAGE_SIZE = 1000;
const runNow: Scheduler = (task) => task();

/** The S3 `Prefix` a bucket-map prefix stands for (shared with the worker's event routing). */
export const listingPrefix = mappingPrefix;

/**
 * Lists objects under a prefix one `ListObjectsV2` page at a time (continuation-token
 * pagination), in S3 order, which is UTF-8 binary order of the keys. Empty pages are skipped.
 *
 * @example
 * for await (const page of listObjectPages(s3, { bucket: "src", prefix: "logs/" })) {
 *   for (const object of page) console.log(object.key, object.size);
 * }
 */
export async function* listObjectPages(
  s3: S3Send,
  options: ListObjectsOptions,
): AsyncGenerator<ListedObject[], void, undefined> {
  const { bucket, startAfter, endBefore, signal } = options;
  const base = listingPrefix(options.prefix);
  const s3Prefix = base + (options.subPrefix ?? "");
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const schedule = options.schedule ?? runNow;
  checkPageSize(pageSize);
  let token: string | undefined;
  do {
    const command = new ListObjectsV2Command({
      Bucket: bucket,
      Prefix: s3Prefix === "" ? undefined : s3Prefix,
      MaxKeys: pageSize,
      ContinuationToken: token,
      StartAfter: token === undefined && startAfter !== undefined ? base + startAfter : undefined,
    });
    const out = await schedule(() => s3.send(command, { abortSignal: signal }));
    const page: ListedObject[] = [];
    for (const entry of out.Contents ?? []) {
      const object = toListedObject(entry, bucket, s3Prefix, base.length);
      if (endBefore !== undefined && compareKeys(object.key, endBefore) >= 0) {
        if (page.length > 0) yield page;
        return;
      }
      page.push(object);
    }
    if (page.length > 0) yield page;
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
    if (out.IsTruncated && !token) {
      throw new ListingError(
        `s3://${bucket}/${s3Prefix}: ListObjectsV2 page is truncated but has no NextContinuationToken`,
      );
    }
  } while (token !== undefined);
}

/**
 * Lists objects under a prefix as a stream, in S3 (UTF-8 binary) order, keys relative to the
 * prefix. Memory is constant: the page being consumed plus `prefetchPages` pages fetched ahead.
 *
 * @example
 * for await (const object of listObjects(s3, { bucket: "src", prefix: "logs" })) {
 *   total += object.size; // "logs/a.gz" arrives as key "a.gz"
 * }
 */
export async function* listObjects(
  s3: S3Send,
  options: ListObjectsStreamOptions,
): AsyncGenerator<ListedObject, void, undefined> {
  const prefetch = options.prefetchPages ?? 1;
  const pages = listObjectPages(s3, options);
  const source = prefetch > 0 ? new ReadAhead(pages, prefetch) : pages;
  // An early `return()` from the consumer closes `source` (and with it the request loop).
  for await (const page of source) yield* page;
}

/** Throws a RangeError unless `pageSize` is a valid `MaxKeys` (an integer from 1 to 1,000). */
export function checkPageSize(pageSize: number): void {
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > DEFAULT_PAGE_SIZE) {
    throw new RangeError(
      `pageSize [${pageSize}] must be an integer from 1 to ${DEFAULT_PAGE_SIZE}`,
    );
  }
}

/** Strips the quotes S3 puts around an ETag. */
export function unquoteEtag(etag: string | undefined): string {
  if (etag === undefined) return "";
  return etag.length >= 2 && etag.startsWith('"') && etag.endsWith('"') ? etag.slice(1, -1) : etag;
}

/**
 * Turns one `Contents` entry into a {@link ListedObject} whose key is relative to the first
 * `baseLength` characters; throws a {@link ListingError} if it has no key or size or is not
 * under `s3Prefix`.
 */
export function toListedObject(
  entry: _Object,
  bucket: string,
  s3Prefix: string,
  baseLength: number,
): ListedObject {
  const { Key: key, Size: size } = entry;
  if (key === undefined || size === undefined || !key.startsWith(s3Prefix)) {
    throw new ListingError(
      `s3://${bucket}/${s3Prefix}: ListObjectsV2 returned an unusable entry (Key ${JSON.stringify(key)}, Size ${size})`,
    );
  }
  return {
    key: key.slice(baseLength),
    size,
    etag: unquoteEtag(entry.ETag),
    lastModified: entry.LastModified,
  };
}
