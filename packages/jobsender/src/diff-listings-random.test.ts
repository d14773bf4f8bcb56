import { joinKey } from "@s3-migration/common";
import { describe, expect, it } from "vitest";
import {
  type CompareMode,
  createDiffStats,
  type DiffEntry,
  diffListings,
} from "./diff-listings.js";
import { listingPrefix, listObjects } from "./list-bucket.js";
import { createFakeS3Listing, type FakeObjectInit } from "./testing/fake-s3-listing.js";
import { pick, type Random, randomKey, seededRandom, sortUtf8 } from "./testing/random-keys.js";
import { MD5_A, MD5_B } from "./testing/sample-etags.js";

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
});
