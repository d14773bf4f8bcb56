import { joinKey, MigrationError } from "@s3-migration/common";
import { describe, expect, it } from "vitest";
import {
  type CompareMode,
  createDiffStats,
  type DiffEntry,
  type DiffStats,
  diffListings,
} from "./diff-listings.js";
import { type ListedObject, listingPrefix, listObjects } from "./list-bucket.js";
import { ListingOrderError } from "./listing-errors.js";
import { createFakeS3Listing, type FakeObjectInit } from "./testing/fake-s3-listing.js";
import { pick, type Random, randomKey, seededRandom, sortUtf8 } from "./testing/random-keys.js";

const MD5_A = "9b2cf535f27731c974343645a3985328";
const MD5_B = "d41d8cd98f00b204e9800998ecf8427e";

/** A listing from literal objects, in the order given (not sorted). */
async function* listing(
  objects: readonly (string | Partial<ListedObject>)[],
  state = { closed: false },
): AsyncGenerator<ListedObject> {
  try {
    for (const o of objects) {
      const object = typeof o === "string" ? { key: o } : o;
      yield { key: object.key ?? "", size: object.size ?? 1, etag: object.etag ?? MD5_A };
    }
  } finally {
    state.closed = true;
  }
}

async function diff(
  source: AsyncIterable<ListedObject>,
  destination: AsyncIterable<ListedObject>,
  compare: CompareMode = "size+etag",
): Promise<string[]> {
  const out: string[] = [];
  for await (const e of diffListings(source, destination, { compare })) {
    out.push(`${e.kind} ${e.source.key}`);
  }
  return out;
}

/** The oracle: a set difference over maps, written without the code under test. */
function naiveDiff(
  source: readonly FakeObjectInit[],
  destination: readonly FakeObjectInit[],
  compare: CompareMode,
): { entries: string[]; destinationOnly: number } {
  const shape = (etag = "") => etag.split("-")[1] ?? "md5";
  const dst = new Map(destination.map((o) => [o.key, o]));
  const src = new Map(source.map((o) => [o.key, o]));
  const entries: string[] = [];
  for (const key of sortUtf8(src.keys())) {
    const s = src.get(key) as FakeObjectInit;
    const d = dst.get(key);
    if (d === undefined) entries.push(`missing ${key}`);
    else if (s.size !== d.size) entries.push(`size-differs ${key}`);
    else if (compare === "size+etag" && shape(s.etag) === shape(d.etag) && s.etag !== d.etag) {
      entries.push(`etag-differs ${key}`);
    }
  }
  return { entries, destinationOnly: [...dst.keys()].filter((k) => !src.has(k)).length };
}

const KEY_CHARS = ["a", "b", "/", "/", "-", "é", "\uff5e", "\ue000", "😀", "\u{10000}"];
const PREFIXES = ["", "p", "p/", "deep/er", "😀/"];

function randomEtag(random: Random): string {
  const md5 = pick(random, [MD5_A, MD5_B, "0123456789abcdef0123456789abcdef"]);
  return random() < 0.5 ? md5 : `${md5}-${1 + Math.floor(random() * 3)}`;
}

/** Random source and destination objects (relative keys) with every kind of difference. */
function randomSides(random: Random) {
  const keys = new Set<string>();
  const count = Math.floor(random() * 40);
  for (let i = 0; i < count; i++) keys.add(randomKey(random, 5, KEY_CHARS));
  const source: FakeObjectInit[] = [];
  const destination: FakeObjectInit[] = [];
  for (const key of keys) {
    const s = { key, size: Math.floor(random() * 3), etag: randomEtag(random) };
    if (random() < 0.8) source.push(s);
    if (random() < 0.3) continue;
    const r = random();
    if (r < 0.15) destination.push({ ...s, size: s.size + 1 });
    else if (r < 0.45) destination.push({ ...s, etag: randomEtag(random) });
    else destination.push(s);
  }
  return { source, destination };
}

describe("diffListings", () => {
  it.each<CompareMode>(["size", "size+etag"])(
    "agrees with a naive set difference on 300 random listings (%s)",
    async (compare) => {
      const random = seededRandom(compare === "size" ? 11 : 12);
      for (let round = 0; round < 300; round++) {
        // Prepare
        const { source, destination } = randomSides(random);
        const srcPrefix = pick(random, PREFIXES);
        const dstPrefix = pick(random, PREFIXES);
        const under = (prefix: string, objects: FakeObjectInit[]) =>
          objects.map((o) => ({ ...o, key: joinKey(prefix, o.key) })).filter((o) => o.key !== "");
        const noise = ["p", "pq/x", "deep/era", "deep/er", "😀", "😀x/", "～/p/"];
        const s3 = createFakeS3Listing({
          src: [
            ...under(srcPrefix, source),
            ...noise.filter((k) => srcPrefix !== "" && !k.startsWith(listingPrefix(srcPrefix))),
          ],
          dst: [...under(dstPrefix, destination)],
        });
        const expected = naiveDiff(
          source.filter((o) => joinKey(srcPrefix, o.key) !== ""),
          destination.filter((o) => joinKey(dstPrefix, o.key) !== ""),
          compare,
        );
        const pageSize = 1 + Math.floor(random() * 5);
        const stats = createDiffStats();

        // Act
        const entries: DiffEntry[] = [];
        for await (const entry of diffListings(
          listObjects(s3, { bucket: "src", prefix: srcPrefix, pageSize }),
          listObjects(s3, { bucket: "dst", prefix: dstPrefix, pageSize }),
          { compare, stats, drainDestination: true },
        )) {
          entries.push(entry);
        }

        // Assess
        expect(
          entries.map((e) => `${e.kind} ${e.source.key}`),
          `round ${round}`,
        ).toEqual(expected.entries);
        expect(stats.destinationOnly, `round ${round}`).toBe(expected.destinationOnly);
      }
    },
  );

  it("orders astral keys after high-BMP keys, as S3 does", async () => {
    // Prepare
    const source = listing(["～", "😀"]);
    const destination = listing(["😀"]);

    // Act
    const result = await diff(source, destination);

    // Assess
    expect(result).toEqual(["missing ～"]);
  });

  it("tells keys that are equal up to a prefix apart", async () => {
    // Prepare
    const source = listing(["a", "a-b", "a/", "a/b", "ab"]);
    const destination = listing(["a/", "a/b/", "ab", "ab/"]);
    const stats = createDiffStats();

    // Act
    const result: string[] = [];
    for await (const e of diffListings(source, destination, {
      compare: "size",
      stats,
      drainDestination: true,
    })) {
      result.push(`${e.kind} ${e.source.key}`);
    }

    // Assess
    expect(result).toEqual(["missing a", "missing a-b", "missing a/b"]);
    expect(stats).toMatchObject({ identical: 2, destinationOnly: 2, missing: 3 });
    expect(stats).toMatchObject({ sourceObjects: 5, destinationObjects: 4 });
  });

  it("compares ETags only when they are of the same kind", async () => {
    // Prepare
    const objects = (etags: string[]) => etags.map((etag, i) => ({ key: `k${i}`, etag }));
    const src = [MD5_A, MD5_A, `${MD5_A}-2`, `${MD5_A}-2`, MD5_A, ""];
    const dst = [MD5_A, MD5_B, `${MD5_B}-2`, `${MD5_B}-3`, `${MD5_B}-1`, MD5_B];
    const stats = createDiffStats();

    // Act
    const result: string[] = [];
    for await (const e of diffListings(listing(objects(src)), listing(objects(dst)), {
      compare: "size+etag",
      stats,
    })) {
      result.push(`${e.kind} ${e.source.key}`);
    }
    const sizeOnly = await diff(listing(objects(src)), listing(objects(dst)), "size");

    // Assess
    expect(result).toEqual(["etag-differs k1", "etag-differs k2"]);
    expect(stats).toMatchObject({ identical: 4, etagIncomparable: 3, etagDiffers: 2 });
    expect(sizeOnly).toEqual([]);
  });

  it("reports a size change before looking at ETags", async () => {
    // Prepare
    const source = listing([{ key: "k", size: 2, etag: MD5_A }]);
    const destination = listing([{ key: "k", size: 3, etag: MD5_B }]);

    // Act
    const entries: DiffEntry[] = [];
    for await (const e of diffListings(source, destination, { compare: "size+etag" })) {
      entries.push(e);
    }

    // Assess
    expect(entries).toEqual([
      {
        kind: "size-differs",
        source: { key: "k", size: 2, etag: MD5_A },
        destination: { key: "k", size: 3, etag: MD5_B },
      },
    ]);
  });

  it.each([
    ["an empty destination", ["a", "b"], [], ["missing a", "missing b"]],
    ["an empty source", [], ["a", "b"], []],
    ["two empty sides", [], [], []],
  ])("handles %s", async (_label, src, dst, expected) => {
    // Act
    const result = await diff(listing(src), listing(dst));

    // Assess
    expect(result).toEqual(expected);
  });

  it.each([
    ["source", ["b", "a"], ["a"], "b", "a"],
    ["source", ["a", "a"], [], "a", "a"],
    ["destination", ["z"], ["a", "c", "b"], "c", "b"],
    ["source", ["😀", "～"], [], "😀", "～"],
  ])("throws a ListingOrderError when the %s goes backwards", async (side, src, dst, prev, key) => {
    // Act
    const error = await diff(listing(src), listing(dst)).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ListingOrderError);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toMatchObject({ side, previousKey: prev, key });
  });

  it("closes the destination when the source ends unless told to drain it", async () => {
    // Prepare
    const stopped = { closed: false };
    const drained = { closed: false };
    const statsStopped = createDiffStats();
    const statsDrained = createDiffStats();
    const run = async (state: { closed: boolean }, stats: DiffStats, drain: boolean) => {
      const destination = listing(["a", "m", "x", "y", "z"], state);
      const options = { compare: "size" as const, stats, drainDestination: drain };
      for await (const _ of diffListings(listing(["b", "n"]), destination, options)) {
        // only counting
      }
    };

    // Act
    await run(stopped, statsStopped, false);
    await run(drained, statsDrained, true);

    // Assess
    expect(stopped.closed).toBe(true);
    expect(statsStopped).toMatchObject({ destinationObjects: 3, destinationOnly: 2, missing: 2 });
    expect(drained.closed).toBe(true);
    expect(statsDrained).toMatchObject({ destinationObjects: 5, destinationOnly: 5, missing: 2 });
  });

  it("closes both listings when the consumer stops early", async () => {
    // Prepare
    const srcState = { closed: false };
    const dstState = { closed: false };

    // Act
    for await (const _ of diffListings(
      listing(["a", "b", "c"], srcState),
      listing(["z"], dstState),
      { compare: "size" },
    )) {
      break;
    }

    // Assess
    expect(srcState.closed).toBe(true);
    expect(dstState.closed).toBe(true);
  });
});
