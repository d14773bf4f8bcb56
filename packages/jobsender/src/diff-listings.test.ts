import { MigrationError } from "@s3-migration/common";
import { describe, expect, it } from "vitest";
import {
  type CompareMode,
  createDiffStats,
  type DiffEntry,
  type DiffStats,
  diffListings,
} from "./diff-listings.js";
import type { ListedObject } from "./list-bucket.js";
import { ListingOrderError } from "./listing-errors.js";
import { MD5_A, MD5_B } from "./testing/sample-etags.js";

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

describe("diffListings", () => {
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
