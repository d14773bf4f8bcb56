import { createHash } from "node:crypto";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import type { ListedObject, S3Send } from "../list-bucket.js";
import type { VerifyDifference, VerifyStats } from "./verify-listings.js";

/** Where one bucket-map entry's objects are, on both sides (prefixes as listed). */
export interface ComparedSides {
  readonly source: S3Send;
  readonly destination: S3Send;
  readonly srcBucket: string;
  readonly dstBucket: string;
  readonly srcPrefix: string;
  readonly dstPrefix: string;
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
 * The content comparisons of one verification: each pair of equal-looking objects is
 * downloaded on both sides and hashed, at most `limit` pairs at once. Results come back in
 * completion order and are counted into the stats as they are handed out.
 */
export class DeepComparisons {
  readonly #sides: ComparedSides;
  readonly #stats: VerifyStats;
  readonly #limit: number;
  readonly #inFlight = new Set<Promise<VerifyDifference | undefined>>();
  /** Finished comparisons not yet handed out: `undefined` means identical. */
  readonly #settled: (VerifyDifference | undefined)[] = [];

  constructor(sides: ComparedSides, stats: VerifyStats, limit: number) {
    this.#sides = sides;
    this.#stats = stats;
    this.#limit = limit;
  }

  /** Waits for a free slot, yields what finished meanwhile, then starts comparing `s` with `d`. */
  async *add(s: ListedObject, d: ListedObject): AsyncGenerator<VerifyDifference, void, undefined> {
    while (this.#inFlight.size >= this.#limit) await Promise.race(this.#inFlight);
    yield* this.#drainSettled();
    this.#start(s, d);
  }

  /** Waits for every comparison (the first failure rejects) and yields the remaining differences. */
  async *finish(): AsyncGenerator<VerifyDifference, void, undefined> {
    await Promise.all(this.#inFlight);
    yield* this.#drainSettled();
  }

  /** Waits until no comparison runs any more, failed or not (before the listings are closed). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.#inFlight);
  }

  #start(s: ListedObject, d: ListedObject): void {
    const tracked = this.#compare(s, d).then((r) => {
      this.#inFlight.delete(tracked);
      this.#settled.push(r);
      return r;
    });
    // Marked handled here; a failure still surfaces through the race/all that awaits it.
    tracked.catch(() => undefined);
    this.#inFlight.add(tracked);
  }

  async #compare(s: ListedObject, d: ListedObject): Promise<VerifyDifference | undefined> {
    const { srcBucket, dstBucket, srcPrefix, dstPrefix, signal } = this.#sides;
    const [srcMd5, dstMd5] = await Promise.all([
      md5OfObject(this.#sides.source, srcBucket, srcPrefix + s.key, signal),
      md5OfObject(this.#sides.destination, dstBucket, dstPrefix + d.key, signal),
    ]);
    this.#stats.deepCompared++;
    if (srcMd5 === dstMd5) return undefined;
    return {
      srcBucket,
      dstBucket,
      kind: "content-differs" as const,
      srcKey: srcPrefix + s.key,
      dstKey: dstPrefix + d.key,
      srcSize: s.size,
      dstSize: d.size,
      srcMd5,
      dstMd5,
    };
  }

  *#drainSettled(): Generator<VerifyDifference> {
    for (const r of this.#settled.splice(0)) {
      if (r === undefined) this.#stats.identical++;
      else {
        this.#stats.differences++;
        yield r;
      }
    }
  }
}
