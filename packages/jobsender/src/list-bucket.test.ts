import type { ListObjectsV2CommandOutput } from "@aws-sdk/client-s3";
import { joinKey } from "@s3-migration/common";
import { describe, expect, it } from "vitest";
import { type ListedObject, listingPrefix, listObjectPages, listObjects } from "./list-bucket.js";
import { ListingError } from "./listing-errors.js";
import { createFakeS3Listing } from "./testing/fake-s3-listing.js";

const KEYS = ["a", "a/", "a/1", "a/2/x", "a/😀", "a/～", "a-b", "ab", "b/1", "top"];

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const keysOf = (objects: readonly ListedObject[]) => objects.map((o) => o.key);
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("listingPrefix", () => {
  it.each([
    ["", ""],
    ["a", "a/"],
    ["a/", "a/"],
    ["a/b", "a/b/"],
  ])("maps %j to the S3 prefix %j", (prefix, expected) => {
    // Act
    const result = listingPrefix(prefix);

    // Assess
    expect(result).toBe(expected);
  });

  it("is the inverse of joinKey", () => {
    // Prepare
    const prefixes = ["", "a", "a/", "x//"];

    // Act
    const joined = prefixes.map((p) => joinKey(p, "k") === `${listingPrefix(p)}k`);

    // Assess
    expect(joined).toEqual([true, true, true, true]);
  });
});

describe("listObjects", () => {
  it("yields every object across pages in UTF-8 order, keys relative to the prefix", async () => {
    // Prepare
    const s3 = createFakeS3Listing({
      src: KEYS.map((key) => ({ key, size: 7, etag: "e".repeat(32) })),
    });

    // Act
    const objects = await collect(listObjects(s3, { bucket: "src", prefix: "a", pageSize: 2 }));

    // Assess
    expect(keysOf(objects)).toEqual(["", "1", "2/x", "～", "😀"]);
    expect(objects[0]).toEqual({
      key: "",
      size: 7,
      etag: "e".repeat(32),
      lastModified: new Date(Date.UTC(2024, 0, 1)),
    });
    expect(s3.calls.map((c) => c.ContinuationToken === undefined)).toEqual([true, false, false]);
  });

  it("lists the same for a prefix with and without its trailing slash", async () => {
    // Prepare
    const s3 = createFakeS3Listing({ src: KEYS });

    // Act
    const bare = await collect(listObjects(s3, { bucket: "src", prefix: "a" }));
    const slashed = await collect(listObjects(s3, { bucket: "src", prefix: "a/" }));
    const whole = await collect(listObjects(s3, { bucket: "src", prefix: "" }));

    // Assess
    expect(bare).toEqual(slashed);
    expect(s3.calls.map((c) => c.Prefix)).toEqual(["a/", "a/", undefined]);
    expect(keysOf(whole)).toEqual(
      KEYS.slice().sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))),
    );
  });

  it("starts after startAfter and stops before endBefore without asking for more pages", async () => {
    // Prepare
    const s3 = createFakeS3Listing({ src: KEYS });

    // Act
    const objects = await collect(
      listObjects(s3, { bucket: "src", prefix: "a", startAfter: "", endBefore: "2", pageSize: 1 }),
    );

    // Assess
    expect(keysOf(objects)).toEqual(["1"]);
    expect(s3.calls[0]?.StartAfter).toBe("a/");
    expect(s3.calls.slice(1).every((c) => c.StartAfter === undefined)).toBe(true);
    expect(s3.calls).toHaveLength(2);
  });

  it("fetches the next page while the consumer works on the current one", async () => {
    // Prepare
    const s3 = createFakeS3Listing({ src: KEYS });
    const listing = listObjects(s3, { bucket: "src", prefix: "", pageSize: 3 });

    // Act
    await listing.next();
    await settle();
    const callsWhileOnFirstPage = s3.calls.length;
    await listing.return();

    // Assess
    expect(callsWhileOnFirstPage).toBe(2);
  });

  it("fetches on demand with prefetchPages 0 and stops asking after a break", async () => {
    // Prepare
    const s3 = createFakeS3Listing({ src: KEYS });

    // Act
    for await (const object of listObjects(s3, {
      bucket: "src",
      prefix: "",
      pageSize: 2,
      prefetchPages: 0,
    })) {
      if (object.key === "a-b") break;
    }
    await settle();

    // Assess
    expect(s3.calls).toHaveLength(1);
  });

  it("passes the abort signal to every request and runs them through the scheduler", async () => {
    // Prepare
    const signals: unknown[] = [];
    const base = createFakeS3Listing({ src: KEYS });
    const s3 = {
      send: ((command: never, options: { abortSignal?: AbortSignal }) => {
        signals.push(options.abortSignal);
        return base.send(command, options);
      }) as typeof base.send,
    };
    const signal = new AbortController().signal;
    let scheduled = 0;

    // Act
    await collect(
      listObjects(s3, {
        bucket: "src",
        prefix: "",
        pageSize: 4,
        signal,
        schedule: (task) => {
          scheduled++;
          return task();
        },
      }),
    );

    // Assess
    expect(signals).toEqual([signal, signal, signal]);
    expect(scheduled).toBe(3);
  });

  it("lets S3 errors through unchanged", async () => {
    // Prepare
    const s3 = createFakeS3Listing({});

    // Act
    const error = await collect(listObjects(s3, { bucket: "nope", prefix: "" })).catch((e) => e);

    // Assess
    expect(error).toMatchObject({ name: "NoSuchBucket" });
  });

  it.each<[string, Partial<ListObjectsV2CommandOutput>]>([
    ["a truncated page without token", { Contents: [{ Key: "k", Size: 1 }], IsTruncated: true }],
    ["an object without size", { Contents: [{ Key: "k" }], IsTruncated: false }],
    ["an object outside the prefix", { Contents: [{ Key: "zz", Size: 1 }], IsTruncated: false }],
  ])("throws a ListingError for %s", async (_label, page) => {
    // Prepare
    const s3 = { send: (async () => page) as never };

    // Act
    const error = await collect(
      listObjectPages(s3, { bucket: "b", prefix: "", subPrefix: "k" }),
    ).catch((e) => e);

    // Assess
    expect(error).toBeInstanceOf(ListingError);
  });

  it("refuses a page size S3 would not honour", async () => {
    // Prepare
    const s3 = createFakeS3Listing({ src: KEYS });

    // Act
    const error = await collect(
      listObjects(s3, { bucket: "src", prefix: "", pageSize: 1001 }),
    ).catch((e) => e);

    // Assess
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toBe("pageSize [1001] must be an integer from 1 to 1000");
    expect(s3.calls).toHaveLength(0);
  });
});
