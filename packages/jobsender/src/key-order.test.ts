import { describe, expect, it } from "vitest";
import { compareKeys } from "./key-order.js";
import { randomKey, seededRandom, sortUtf8 } from "./testing/random-keys.js";

function utf8Sign(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

describe("compareKeys", () => {
  it.each([
    ["astral after high-BMP", "😀", "\uff5e"],
    ["U+10000 after U+FFFF", "\u{10000}", "\uffff"],
    ["U+E000 after U+D7FF", "\ue000", "\ud7ff"],
    ["prefix first", "abc", "abc/"],
    ["slash after dash", "a/b", "a-b"],
    ["equal-prefix astral vs high-BMP", "x/😀/1", "x/\uff5e/2"],
    ["two different emoji", "🚀", "😀"],
    ["low surrogate differs", "\u{1f600}", "\u{1f601}"],
    ["empty before anything", "", "\u0000"],
  ])("orders %s like Buffer.compare", (_label, a, b) => {
    // Prepare
    const expected = utf8Sign(a, b);

    // Act
    const forward = Math.sign(compareKeys(a, b));
    const backward = Math.sign(compareKeys(b, a));

    // Assess
    expect(forward).toBe(expected);
    expect(backward).toBe(-expected);
  });

  it("returns 0 for equal keys", () => {
    // Prepare
    const key = "dir/😀～é/file.txt";

    // Act
    const result = compareKeys(key, `${key}`);

    // Assess
    expect(result).toBe(0);
  });

  it("agrees with Buffer.compare on 200,000 random pairs", () => {
    // Prepare
    const random = seededRandom(20240601);
    const pairs: [string, string][] = [];
    for (let i = 0; i < 200_000; i++) {
      const shared = randomKey(random, 4);
      pairs.push([shared + randomKey(random, 4), shared + randomKey(random, 4)]);
    }

    // Act
    const mismatches = pairs.filter(([a, b]) => Math.sign(compareKeys(a, b)) !== utf8Sign(a, b));

    // Assess
    expect(mismatches).toEqual([]);
  });

  it("sorts a random key set exactly as S3 lists it", () => {
    // Prepare
    const random = seededRandom(7);
    const keys = Array.from({ length: 5000 }, () => randomKey(random, 8));

    // Act
    const sorted = [...keys].sort(compareKeys);

    // Assess
    expect(sorted).toEqual(sortUtf8(keys));
  });

  it("differs from the UTF-16 order that `<` uses", () => {
    // Prepare
    const astral = "😀";
    const highBmp = "\uff5e";

    // Act
    const native = astral < highBmp;
    const utf8 = compareKeys(astral, highBmp) < 0;

    // Assess
    expect(native).toBe(true);
    expect(utf8).toBe(false);
  });
});
