import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { compareKeys } from "./key-order.js";
import {
  checkPageSize,
  type ListedObject,
  listingPrefix,
  type S3Send,
  type Scheduler,
  toListedObject,
} from "./list-bucket.js";
import { ListingError } from "./listing-errors.js";

/** One entry of a top-level (`Delimiter: "/"`) listing. */
export type TopLevelEntry =
  /** An object directly under the prefix (no `/` in its relative key). */
  | { readonly kind: "object"; readonly object: ListedObject }
  /** A common prefix: every key starting with `prefix` (relative, ends with `/`). */
  | { readonly kind: "prefix"; readonly prefix: string };

/** Options of {@link listTopLevelPages}. */
export interface ListTopLevelOptions {
  /** The bucket to list. */
  readonly bucket: string;
  /** The "folder" to list, as in `listObjects` (`"a"` and `"a/"` both mean `a/`). */
  readonly prefix: string;
  /** `MaxKeys` of each request (objects and common prefixes count alike). @default 1000 */
  readonly pageSize?: number | undefined;
  /** Passed to every `send` as `abortSignal`. @default none */
  readonly signal?: AbortSignal | undefined;
  /** Runs each `send`. @default runs at once */
  readonly schedule?: Scheduler | undefined;
}

/**
 * Lists the top level of a prefix with `Delimiter: "/"`, one page at a time: objects directly
 * under it and common prefixes, merged into one UTF-8 binary order. The keys under a common
 * prefix `p/` form a contiguous run of the full listing, and an object that does not start with
 * `p/` sorts before or after the whole run exactly as it sorts against `p/`, so expanding each
 * prefix in place gives the full listing.
 *
 * @example
 * for await (const page of listTopLevelPages(s3, { bucket: "src", prefix: "" })) {
 *   for (const entry of page) if (entry.kind === "prefix") console.log(entry.prefix);
 * }
 */
export async function* listTopLevelPages(
  s3: S3Send,
  options: ListTopLevelOptions,
): AsyncGenerator<TopLevelEntry[], void, undefined> {
  const { bucket, signal } = options;
  const base = listingPrefix(options.prefix);
  const schedule: Scheduler = options.schedule ?? ((task) => task());
  const pageSize = options.pageSize ?? 1000;
  checkPageSize(pageSize);
  let token: string | undefined;
  do {
    const command = new ListObjectsV2Command({
      Bucket: bucket,
      Prefix: base === "" ? undefined : base,
      Delimiter: "/",
      MaxKeys: pageSize,
      ContinuationToken: token,
    });
    const out = await schedule(() => s3.send(command, { abortSignal: signal }));
    const entries: { readonly sortKey: string; readonly entry: TopLevelEntry }[] = [];
    for (const c of out.Contents ?? []) {
      const object = toListedObject(c, bucket, base, base.length);
      entries.push({ sortKey: object.key, entry: { kind: "object", object } });
    }
    for (const p of out.CommonPrefixes ?? []) {
      if (p.Prefix === undefined || !p.Prefix.startsWith(base) || !p.Prefix.endsWith("/")) {
        throw new ListingError(
          `s3://${bucket}/${base}: ListObjectsV2 returned an unusable CommonPrefix ${JSON.stringify(p.Prefix)}`,
        );
      }
      const prefix = p.Prefix.slice(base.length);
      entries.push({ sortKey: prefix, entry: { kind: "prefix", prefix } });
    }
    entries.sort((x, y) => compareKeys(x.sortKey, y.sortKey));
    if (entries.length > 0) yield entries.map((e) => e.entry);
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
    if (out.IsTruncated && !token) {
      throw new ListingError(
        `s3://${bucket}/${base}: ListObjectsV2 page is truncated but has no NextContinuationToken`,
      );
    }
  } while (token !== undefined);
}
