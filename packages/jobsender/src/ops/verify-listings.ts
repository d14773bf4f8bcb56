import { createHash } from "node:crypto";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import type { BucketMapping } from "@s3-migration/common";
import { compareEtags } from "../etag-compare.js";
import { compareKeys } from "../key-order.js";
import { type ListedObject, listingPrefix, type S3Send } from "../list-bucket.js";
import { listObjectsParallel } from "../parallel-listing.js";

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

/** MD5 (hex) of an object's bytes, streamed. */
export async function md5OfObject(
  s3: S3Send,
  bucket: string,
  key: string,
  signal?: AbortSignal,
): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
    abortSignal: signal,
  });
  const hash = createHash("md5");
  if (out.Body !== undefined) {
    for await (const chunk of out.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
  }
  return hash.digest("hex");
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
  const srcPrefix = listingPrefix(mapping.srcPrefix);
  const dstPrefix = listingPrefix(mapping.desPrefix);
  const concurrency = deps.listConcurrency ?? 8;
  const deepLimit = Math.max(1, deps.deepConcurrency ?? 4);
  const withEtag = deps.compareEtags ?? true;
  const base = { srcBucket: mapping.srcBucket, dstBucket: mapping.desBucket };
  const src = listObjectsParallel(deps.source, {
    bucket: mapping.srcBucket,
    prefix: srcPrefix,
    concurrency,
    signal: deps.signal,
  })[Symbol.asyncIterator]();
  const dst = listObjectsParallel(deps.destination, {
    bucket: mapping.desBucket,
    prefix: dstPrefix,
    concurrency,
    signal: deps.signal,
  })[Symbol.asyncIterator]();
  const next = async (it: AsyncIterator<ListedObject>, side: "source" | "destination") => {
    const r = await it.next();
    if (r.done) return undefined;
    if (side === "source") stats.sourceObjects++;
    else stats.destinationObjects++;
    return r.value;
  };
  const inFlight = new Set<Promise<VerifyDifference | undefined>>();
  const settled: (VerifyDifference | undefined)[] = [];
  const deepCompare = (s: ListedObject, d: ListedObject) => {
    const p = (async () => {
      const [srcMd5, dstMd5] = await Promise.all([
        md5OfObject(deps.source, mapping.srcBucket, srcPrefix + s.key, deps.signal),
        md5OfObject(deps.destination, mapping.desBucket, dstPrefix + d.key, deps.signal),
      ]);
      stats.deepCompared++;
      if (srcMd5 === dstMd5) return undefined;
      return {
        ...base,
        kind: "content-differs" as const,
        srcKey: srcPrefix + s.key,
        dstKey: dstPrefix + d.key,
        srcSize: s.size,
        dstSize: d.size,
        srcMd5,
        dstMd5,
      };
    })();
    const tracked = p.then((r) => {
      inFlight.delete(tracked);
      settled.push(r);
      return r;
    });
    // Marked handled here; a failure still surfaces through the race/all that awaits it.
    tracked.catch(() => undefined);
    inFlight.add(tracked);
  };
  function* drainSettled(): Generator<VerifyDifference> {
    for (const r of settled.splice(0)) {
      if (r === undefined) stats.identical++;
      else {
        stats.differences++;
        yield r;
      }
    }
  }
  const differ = (kind: VerifyKind, s?: ListedObject, d?: ListedObject): VerifyDifference => {
    stats.differences++;
    return {
      ...base,
      kind,
      srcKey: s && srcPrefix + s.key,
      dstKey: d && dstPrefix + d.key,
      srcSize: s?.size,
      dstSize: d?.size,
      srcEtag: s?.etag,
      dstEtag: d?.etag,
    };
  };
  try {
    let [s, d] = await Promise.all([next(src, "source"), next(dst, "destination")]);
    while (s !== undefined || d !== undefined) {
      const order = s === undefined ? 1 : d === undefined ? -1 : compareKeys(s.key, d.key);
      if (order < 0 && s !== undefined) {
        yield differ("missing", s);
        s = await next(src, "source");
        continue;
      }
      if (order > 0 && d !== undefined) {
        yield differ("destination-only", undefined, d);
        d = await next(dst, "destination");
        continue;
      }
      if (s === undefined || d === undefined) break;
      const etags = withEtag ? compareEtags(s.etag, d.etag) : "incomparable";
      if (s.size !== d.size) yield differ("size-differs", s, d);
      else if (etags === "different") yield differ("etag-differs", s, d);
      else {
        if (etags === "incomparable") stats.etagIncomparable++;
        if (deps.deep) {
          while (inFlight.size >= deepLimit) await Promise.race(inFlight);
          yield* drainSettled();
          deepCompare(s, d);
        } else stats.identical++;
      }
      [s, d] = await Promise.all([next(src, "source"), next(dst, "destination")]);
    }
    await Promise.all(inFlight);
    yield* drainSettled();
  } finally {
    await Promise.allSettled(inFlight);
    await Promise.all([src.return?.(), dst.return?.()]);
  }
}
