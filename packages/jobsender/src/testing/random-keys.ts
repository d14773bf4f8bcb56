/** Seeded randomness for property tests: the same seed gives the same keys on every run. */

/** A pseudo-random generator returning floats in [0, 1) (mulberry32). */
export type Random = () => number;

/** Creates a seeded {@link Random}. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks one element of a non-empty list. */
export function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}

/**
 * Characters that stress key ordering: ASCII around `/`, Latin and CJK, high-BMP characters
 * (U+E000–U+FFFF, e.g. `～` U+FF5E and U+FFFD) and astral characters (surrogate pairs: emoji,
 * U+10000, U+10FFFF). In UTF-16 the astral ones sort before the high-BMP ones, in UTF-8 after.
 */
const TRICKY_CHARS: readonly string[] = [
  "a",
  "b",
  "z",
  "A",
  "0",
  "9",
  "-",
  ".",
  "/",
  "!",
  " ",
  "~",
  "\u007f",
  "é",
  "ß",
  "中",
  "文",
  "\ue000",
  "\uff5e",
  "\ufffd",
  "\uffff",
  "😀",
  "🚀",
  "\u{10000}",
  "\u{10ffff}",
];

/** A random key of 0 to `maxLength` characters drawn from `alphabet`. */
export function randomKey(random: Random, maxLength = 6, alphabet = TRICKY_CHARS): string {
  const length = Math.floor(random() * (maxLength + 1));
  let key = "";
  for (let i = 0; i < length; i++) key += pick(random, alphabet);
  return key;
}

/** Sorts keys in UTF-8 binary order using Buffer, independently of the code under test. */
export function sortUtf8(keys: Iterable<string>): string[] {
  return [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}
