import { parseBucketMap } from "@s3-migration/common";
import { describe, expect, it } from "vitest";
import {
  objectCreatedPatterns,
  patternChars,
  sourceEventScopes,
} from "../lib/source-event-pattern.js";

const map = (...entries: [string, string][]) =>
  parseBucketMap(
    JSON.stringify(
      entries.map(([src_bucket, src_prefix], i) => ({
        src_bucket,
        src_prefix,
        des_bucket: "china-dst",
        des_prefix: `d${i}/`,
      })),
    ),
    "test",
  );

describe("sourceEventScopes", () => {
  it("lists each source bucket once, in the map's order", () => {
    const scopes = sourceEventScopes(map(["src-b", "a/"], ["src-a", "x/"], ["src-b", "c/"]));
    expect(scopes.map((s) => s.bucket)).toEqual(["src-b", "src-a"]);
  });

  it("reads a prefix as a folder, as the jobsender lists it (logs → logs/)", () => {
    expect(sourceEventScopes(map(["src-a", "logs"]))).toEqual([
      { bucket: "src-a", prefixes: ["logs/"] },
    ]);
  });

  it("keeps only the outermost of overlapping prefixes, once", () => {
    const scopes = sourceEventScopes(
      map(["src-a", "logs/2024/"], ["src-a", "logs"], ["src-a", "img/"], ["src-a", "logs/"]),
    );
    expect(scopes).toEqual([{ bucket: "src-a", prefixes: ["img/", "logs/"] }]);
  });

  it("keeps logs/ and logs2/ apart (folders, not string prefixes)", () => {
    expect(sourceEventScopes(map(["src-a", "logs"], ["src-a", "logs2"]))[0]?.prefixes).toEqual([
      "logs/",
      "logs2/",
    ]);
  });

  it("takes a bucket whole when any entry maps it with an empty prefix, before or after", () => {
    expect(sourceEventScopes(map(["src-a", "x/"], ["src-a", ""]))[0]?.prefixes).toBeUndefined();
    expect(sourceEventScopes(map(["src-a", ""], ["src-a", "x/"]))[0]?.prefixes).toBeUndefined();
  });
});

describe("objectCreatedPatterns", () => {
  it("puts a lone bucket's condition in detail itself, not in an $or of one", () => {
    expect(objectCreatedPatterns([{ bucket: "src-a", prefixes: ["p/"] }])).toEqual([
      {
        source: ["aws.s3"],
        detailType: ["Object Created"],
        detail: { bucket: { name: ["src-a"] }, object: { key: [{ prefix: "p/" }] } },
      },
    ]);
  });

  it("fills each pattern up to the limit and keeps every bucket, in order", () => {
    const scopes = Array.from({ length: 12 }, (_, i) => ({
      bucket: `bucket-${i}`,
      prefixes: undefined,
    }));
    const patterns = objectCreatedPatterns(scopes, 300);
    expect(patterns.length).toBeGreaterThan(1);
    for (const p of patterns) expect(patternChars(p)).toBeLessThanOrEqual(300);
    const names = patterns.flatMap((p) => JSON.stringify(p).match(/bucket-\d+/g));
    expect(names).toEqual(scopes.map((s) => s.bucket));
  });

  it("refuses one bucket whose prefixes alone pass the limit, naming the setting", () => {
    const prefixes = Array.from({ length: 40 }, (_, i) => `some/long/prefix-${i}/`);
    expect(() => objectCreatedPatterns([{ bucket: "src-a", prefixes }], 500)).toThrow(
      /sourceBucketEvents.*src-a, 40 prefixes/,
    );
  });

  it("counts a pattern's size high: bytes, and a space after each separator", () => {
    // {"a":["é"]}: 12 bytes, one ":".
    expect(patternChars({ a: ["é"] })).toBe(13);
    // Separators inside strings are not counted.
    expect(patternChars({ a: "x:,y" })).toBe(JSON.stringify({ a: "x:,y" }).length + 1);
  });
});
