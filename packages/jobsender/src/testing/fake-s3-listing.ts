import {
  type _Object,
  type CommonPrefix,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  type ListObjectsV2CommandOutput,
} from "@aws-sdk/client-s3";
import type { S3Send } from "../list-bucket.js";

/** An object held by the fake; size and ETag default from the key. */
export interface FakeObjectInit {
  readonly key: string;
  readonly size?: number;
  /** Without quotes; the fake adds them as S3 does. */
  readonly etag?: string;
}

/** Options of {@link createFakeS3Listing}. */
export interface FakeS3ListingOptions {
  /** Awaited before each answer, e.g. `() => new Promise(setImmediate)` to let requests overlap. */
  readonly delay?: (input: ListObjectsV2CommandInput) => Promise<void>;
  /** Returns an error to throw for a request instead of answering it. */
  readonly failWhen?: (input: ListObjectsV2CommandInput, call: number) => Error | undefined;
}

/** A fake S3 client that answers `ListObjectsV2` from memory, plus what it recorded. */
export interface FakeS3Listing extends S3Send {
  /** The input of every `ListObjectsV2` request, in order. */
  readonly calls: ListObjectsV2CommandInput[];
  /** The most requests that were in flight at once. */
  readonly maxInFlight: number;
}

const MAX_KEYS = 1000;

/**
 * Builds a fake S3 client answering `ListObjectsV2` like S3: keys in UTF-8 binary order
 * (sorted with `Buffer.compare`), `Prefix`, `Delimiter` (keys rolled up into `CommonPrefixes`,
 * which count toward `MaxKeys` like objects), `MaxKeys` (default and cap 1,000), `StartAfter`
 * (ignored when a `ContinuationToken` is given), opaque continuation tokens, quoted ETags,
 * `Contents`/`CommonPrefixes` omitted when empty. Any other command throws.
 *
 * @example
 * const s3 = createFakeS3Listing({ src: ["a.txt", "dir/b.txt"] });
 * await s3.send(new ListObjectsV2Command({ Bucket: "src", Delimiter: "/" }));
 */
export function createFakeS3Listing(
  buckets: Readonly<Record<string, Iterable<string | FakeObjectInit>>>,
  options: FakeS3ListingOptions = {},
): FakeS3Listing {
  const contents = new Map<string, _Object[]>();
  for (const [bucket, objects] of Object.entries(buckets)) {
    const list = [...objects].map((o) => toObject(typeof o === "string" ? { key: o } : o));
    list.sort((a, b) => Buffer.compare(Buffer.from(a.Key ?? ""), Buffer.from(b.Key ?? "")));
    contents.set(bucket, list);
  }
  const tokens = new Map<string, { readonly after: string; readonly rolledUp: boolean }>();
  const calls: ListObjectsV2CommandInput[] = [];
  let inFlight = 0;
  let maxInFlight = 0;

  const send = async (command: unknown, sendOptions?: { abortSignal?: AbortSignal }) => {
    if (!(command instanceof ListObjectsV2Command)) {
      throw new Error(`fake S3 does not implement ${String(command?.constructor?.name)}`);
    }
    const input = command.input;
    calls.push(input);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await options.delay?.(input);
      const signal = sendOptions?.abortSignal;
      if (signal?.aborted) {
        throw Object.assign(new Error("Request aborted"), { name: "AbortError" });
      }
      const failure = options.failWhen?.(input, calls.length);
      if (failure) throw failure;
      const objects = contents.get(input.Bucket ?? "");
      if (objects === undefined) {
        throw Object.assign(new Error("The specified bucket does not exist"), {
          name: "NoSuchBucket",
          $metadata: { httpStatusCode: 404 },
        });
      }
      return answer(objects, input, tokens);
    } finally {
      inFlight--;
    }
  };
  return {
    send: send as unknown as S3Send["send"],
    calls,
    get maxInFlight() {
      return maxInFlight;
    },
  };
}

function toObject(init: FakeObjectInit): _Object {
  const etag = init.etag ?? Buffer.from(init.key).toString("hex").padEnd(32, "0").slice(0, 32);
  return {
    Key: init.key,
    Size: init.size ?? Buffer.byteLength(init.key),
    ETag: `"${etag}"`,
    LastModified: new Date(Date.UTC(2024, 0, 1)),
  };
}

function after(a: string, b: string): boolean {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) > 0;
}

function answer(
  objects: readonly _Object[],
  input: ListObjectsV2CommandInput,
  tokens: Map<string, { readonly after: string; readonly rolledUp: boolean }>,
): ListObjectsV2CommandOutput {
  const prefix = input.Prefix ?? "";
  const delimiter = input.Delimiter ?? "";
  const maxKeys = Math.min(input.MaxKeys ?? MAX_KEYS, MAX_KEYS);
  let start: { readonly after: string; readonly rolledUp: boolean } | undefined;
  if (input.ContinuationToken !== undefined) {
    start = tokens.get(input.ContinuationToken);
    if (start === undefined) {
      throw Object.assign(new Error("The continuation token provided is incorrect"), {
        name: "InvalidArgument",
      });
    }
  } else if (input.StartAfter !== undefined) {
    start = { after: input.StartAfter, rolledUp: false };
  }
  const found: _Object[] = [];
  const prefixes: CommonPrefix[] = [];
  let last: { readonly after: string; readonly rolledUp: boolean } | undefined;
  let truncated = false;
  for (const object of objects) {
    const key = object.Key ?? "";
    if (!key.startsWith(prefix)) continue;
    if (start && !after(key, start.after)) continue;
    if (start?.rolledUp && key.startsWith(start.after)) continue;
    if (last?.rolledUp && key.startsWith(last.after)) continue;
    const cut = delimiter === "" ? -1 : key.indexOf(delimiter, prefix.length);
    const entry = cut < 0 ? key : key.slice(0, cut + delimiter.length);
    if (found.length + prefixes.length >= maxKeys) {
      truncated = true;
      break;
    }
    if (cut < 0) found.push(object);
    else prefixes.push({ Prefix: entry });
    last = { after: entry, rolledUp: cut >= 0 };
  }
  const out: ListObjectsV2CommandOutput = {
    $metadata: { httpStatusCode: 200 },
    Name: input.Bucket,
    Prefix: prefix,
    MaxKeys: maxKeys,
    KeyCount: found.length + prefixes.length,
    IsTruncated: truncated,
  };
  if (delimiter !== "") out.Delimiter = delimiter;
  if (input.ContinuationToken !== undefined) out.ContinuationToken = input.ContinuationToken;
  if (input.StartAfter !== undefined) out.StartAfter = input.StartAfter;
  if (found.length > 0) out.Contents = found;
  if (prefixes.length > 0) out.CommonPrefixes = prefixes;
  if (truncated && last) {
    const token = `token-${tokens.size + 1}`;
    tokens.set(token, last);
    out.NextContinuationToken = token;
  }
  return out;
}
