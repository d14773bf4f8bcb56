import { MessageError } from "../errors.js";
import type { BucketMapping } from "../parameters/parameter-documents.js";

/** Where S3 event notifications are copied to (`Des_bucket_default`, `Des_prefix_default`). */
export interface EventDestination {
  readonly desBucketDefault: string;
  readonly desPrefixDefault: string;
}

/**
 * Joins a destination prefix and a key: `""` + k = k, `"p/"` + k = `p/k`, `"p"` + k = `p/k`.
 * Keys are kept byte for byte (a trailing `/` or `//` inside a key is part of its name).
 */
export function joinKey(prefix: string, key: string): string {
  if (prefix === "") return key;
  return prefix.endsWith("/") ? `${prefix}${key}` : `${prefix}/${key}`;
}

/**
 * Decodes an S3 event key: URL-encoded, with `+` for a space (a literal `+` arrives as `%2B`).
 */
export function decodeEventKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, " "));
  } catch (err) {
    throw new MessageError(`event key is not valid URL encoding: ${JSON.stringify(encoded)}`, {
      cause: err,
    });
  }
}

/**
 * Where S3 events are copied to: by the bucket map's entry for the event's bucket and key (the
 * longest matching source prefix wins), else to `Des_bucket_default` / `Des_prefix_default`.
 * The worker keeps `bucketMap` current as ops edit the parameter.
 */
export interface EventRouting extends EventDestination {
  readonly bucketMap?: readonly BucketMapping[] | undefined;
}

/** An object an event says was created, before it is routed. */
export interface EventObject {
  readonly bucket: string;
  /** Decoded: the key as stored. */
  readonly key: string;
  readonly size: number;
  readonly etag?: string | undefined;
  readonly versionId?: string | undefined;
  /** S3's order of events on one key ({@link sequencerOrder}). */
  readonly sequencer?: string | undefined;
}

/**
 * The S3 `Prefix` a bucket-map prefix stands for, as the jobsender lists it: `""` → `""`,
 * `"a"` → `"a/"`, `"a/"` → `"a/"` (the inverse of {@link joinKey}).
 */
export function mappingPrefix(prefix: string): string {
  return prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
}

/**
 * The destination of an event's object: the bucket-map entry whose source bucket is the
 * object's and whose source prefix is the longest one the key starts with, its key mapped as
 * the jobsender maps listed keys (source prefix replaced by the destination prefix); else the
 * default destination; `undefined` when neither applies.
 */
export function routeEvent(
  routing: EventRouting,
  bucket: string,
  key: string,
): { dstBucket: string; dstKey: string } | undefined {
  let best: BucketMapping | undefined;
  for (const m of routing.bucketMap ?? []) {
    if (m.srcBucket !== bucket || !key.startsWith(mappingPrefix(m.srcPrefix))) continue;
    if (
      best === undefined ||
      mappingPrefix(m.srcPrefix).length > mappingPrefix(best.srcPrefix).length
    ) {
      best = m;
    }
  }
  if (best !== undefined) {
    const rest = key.slice(mappingPrefix(best.srcPrefix).length);
    return { dstBucket: best.desBucket, dstKey: mappingPrefix(best.desPrefix) + rest };
  }
  if (routing.desBucketDefault === "") return undefined;
  return { dstBucket: routing.desBucketDefault, dstKey: joinKey(routing.desPrefixDefault, key) };
}

/**
 * A sequencer in a form whose string order is S3's event order on one key: S3's sequencers are
 * hexadecimal strings of varying length, compared after right-padding the shorter with zeros
 * (AWS's documented rule); padded to 64 upper-case digits, DynamoDB's string comparison does it.
 */
export function sequencerOrder(sequencer: string): string {
  return sequencer.toUpperCase().padEnd(64, "0");
}
