import { describe, expect, it } from "vitest";
import { type ListedObject, listObjects } from "./list-bucket.js";
import { listObjectsParallel } from "./parallel-listing.js";
import { createFakeS3Listing } from "./testing/fake-s3-listing.js";
import { pick, randomKey, seededRandom } from "./testing/random-keys.js";

async function collect(items: AsyncIterable<ListedObject>): Promise<ListedObject[]> {
  const out: ListedObject[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const settle = async (ticks = 5) => {
  for (let i = 0; i < ticks; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};
/** Lets requests overlap: each answer waits for the next turn of the event loop. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const KEY_CHARS = ["a", "b", "/", "/", "/", "-", "!", "é", "\uff5e", "😀"];

/** `count` keys under each of `prefixes`, plus a few top-level objects. */
function tree(prefixes: number, count: number): string[] {
  const keys = ["0-top", "m-top", "zz-top"];
  for (let p = 0; p < prefixes; p++) {
    for (let k = 0; k < count; k++) keys.push(`d${String(p).padStart(3, "0")}/k${k}`);
  }
  return keys;
}

/** Pages of 2 keys, 3 concurrent sub-listings, read-ahead budget (3 + 1) × 2 = 8 pages. */
const smallPages = (s3: Parameters<typeof listObjectsParallel>[0]) =>
  listObjectsParallel(s3, {
    bucket: "src",
    prefix: "",
    pageSize: 2,
    concurrency: 3,
    readAheadPages: 2,
  });

describe("listObjectsParallel", () => {
  it("yields exactly the sequential listing on 200 random key sets", async () => {
    const random = seededRandom(99);
    for (let round = 0; round < 200; round++) {
      // Prepare
      const keys = new Set<string>();
      const count = Math.floor(random() * 60);
      for (let i = 0; i < count; i++) {
        const key = randomKey(random, 6, KEY_CHARS);
        if (key !== "") keys.add(key);
      }
      const s3 = createFakeS3Listing({ src: keys }, { delay: nextTurn });
      const prefix = pick(random, ["", "a", "a/", "/", "😀/"]);
      const pageSize = 1 + Math.floor(random() * 4);
      const concurrency = 1 + Math.floor(random() * 4);
      const readAheadPages = 1 + Math.floor(random() * 2);

      // Act
      const sequential = await collect(listObjects(s3, { bucket: "src", prefix, pageSize }));
      const parallel = await collect(
        listObjectsParallel(s3, { bucket: "src", prefix, pageSize, concurrency, readAheadPages }),
      );

      // Assess
      expect(parallel, `round ${round}: prefix ${JSON.stringify(prefix)}`).toEqual(sequential);
    }
  });

  it("interleaves top-level objects between the common prefixes", async () => {
    // Prepare
    const keys = ["a", "a!", "a/x", "a/y/z", "a0", "b/1", "～", "～/1", "😀", "😀/1"];
    const s3 = createFakeS3Listing({ src: keys });

    // Act
    const objects = await collect(
      listObjectsParallel(s3, { bucket: "src", prefix: "", pageSize: 2 }),
    );

    // Assess
    expect(objects.map((o) => o.key)).toEqual(keys);
  });

  it("lists the common prefixes concurrently, never above the limit", async () => {
    // Prepare
    const s3 = createFakeS3Listing({ src: tree(20, 5) }, { delay: nextTurn });

    // Act
    const objects = await collect(
      listObjectsParallel(s3, { bucket: "src", prefix: "", pageSize: 2, concurrency: 4 }),
    );

    // Assess
    expect(objects).toHaveLength(103);
    expect(s3.maxInFlight).toBe(4);
  });

  it("reads a bounded number of pages ahead of a slow consumer", async () => {
    // Prepare
    const s3 = createFakeS3Listing({ src: tree(50, 20) }, { delay: nextTurn });
    const listing = smallPages(s3);

    // Act
    await listing.next();
    await settle(50);
    const callsWhileWaiting = s3.calls.length;
    await settle(50);
    const callsLater = s3.calls.length;
    await listing.return();

    // Assess
    // sub-listings: 2 × budget + one page per sub-listing + the page drained; top level: 2
    const budget = (3 + 1) * 2;
    expect(callsWhileWaiting).toBeLessThanOrEqual(2 * budget + 4 + 1 + 2);
    expect(callsLater).toBe(callsWhileWaiting);
  });

  it("gives the read-ahead budget to the nearest prefixes first", async () => {
    // Prepare: 10 pages per prefix; budget (3 + 1) × 2 = 8 pages
    const s3 = createFakeS3Listing({ src: tree(6, 20) }, { delay: nextTurn });
    const listing = smallPages(s3);

    // Act: the consumer holds the first object (top-level "0-top") and waits
    await listing.next();
    await settle(100);
    const pagesOf = (p: string) => s3.calls.filter((c) => c.Prefix === p).length;
    const fetched = ["d000/", "d001/", "d002/", "d003/"].map(pagesOf);
    await listing.return();

    // Assess: the prefix next in line is fetched deep, to the whole budget (with a fixed depth of
    // 2 ahead it would hold 3); the ones behind it share what they got before it grew
    expect(fetched[0]).toBe(8);
    expect(fetched.slice(1).reduce((a, b) => a + b)).toBeLessThanOrEqual(8);
  });

  it("moves the budget on to the next prefix once one is drained", async () => {
    // Prepare
    const s3 = createFakeS3Listing({ src: tree(6, 20) }, { delay: nextTurn });
    const listing = smallPages(s3);

    // Act: consume the top-level object, all of d000/ and the first object of d001/, then wait
    for (let i = 0; i < 22; i++) await listing.next();
    await settle(100);
    const d001 = s3.calls.filter((c) => c.Prefix === "d001/").length;
    await listing.return();

    // Assess: d001/, now drained, holds the whole budget: its page being drained + 8 ahead
    expect(d001).toBe(9);
  });

  it("stops every sub-listing when the consumer breaks", async () => {
    // Prepare
    const s3 = createFakeS3Listing({ src: tree(30, 10) }, { delay: nextTurn });

    // Act
    for await (const object of listObjectsParallel(s3, {
      bucket: "src",
      prefix: "",
      pageSize: 2,
    })) {
      if (object.key === "d001/k0") break;
    }
    const callsAtBreak = s3.calls.length;
    await settle(20);

    // Assess
    expect(s3.calls.length).toBe(callsAtBreak);
  });

  it("throws the error of a failed sub-listing in its place", async () => {
    // Prepare
    const denied = Object.assign(new Error("Access Denied"), { name: "AccessDenied" });
    const s3 = createFakeS3Listing(
      { src: tree(5, 3) },
      { delay: nextTurn, failWhen: (input) => (input.Prefix === "d003/" ? denied : undefined) },
    );
    const seen: string[] = [];

    // Act
    const error = await (async () => {
      for await (const object of listObjectsParallel(s3, { bucket: "src", prefix: "" })) {
        seen.push(object.key);
      }
    })().catch((e: unknown) => e);

    // Assess
    expect(error).toBe(denied);
    expect(seen.at(-1)).toBe("d002/k2");
  });

  it("stops when the caller's signal aborts", async () => {
    // Prepare
    const s3 = createFakeS3Listing({ src: tree(10, 10) }, { delay: nextTurn });
    const controller = new AbortController();

    // Act
    const error = await (async () => {
      for await (const object of listObjectsParallel(s3, {
        bucket: "src",
        prefix: "",
        pageSize: 2,
        signal: controller.signal,
      })) {
        if (object.key === "d000/k1") controller.abort();
      }
    })().catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: "AbortError" });
  });

  it.each([
    [{ readAheadPages: 0 }, "readAheadPages [0] must be an integer from 1 and up"],
    [{ concurrency: 0 }, "Expected `concurrency` to be a number from 1 and up"],
  ])("refuses %j before sending anything", async (bad, message) => {
    // Prepare
    const s3 = createFakeS3Listing({ src: ["a"] });

    // Act
    const error = await collect(
      listObjectsParallel(s3, { bucket: "src", prefix: "", ...bad }),
    ).catch((e: unknown) => e);

    // Assess
    expect((error as Error).message).toBe(message);
    expect(s3.calls).toHaveLength(0);
  });
});
