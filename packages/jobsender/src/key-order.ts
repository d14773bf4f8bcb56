/**
 * Compares two keys in UTF-8 binary order, the order of S3 `ListObjectsV2` (the same as
 * `Buffer.compare(Buffer.from(a), Buffer.from(b))`, and the same as code point order).
 *
 * JavaScript's `<` compares UTF-16 code units, which agrees with UTF-8 order everywhere except
 * one case: a surrogate (0xD800–0xDFFF, half of an astral character such as an emoji, 4 UTF-8
 * bytes starting 0xF0) against a high-BMP character (0xE000–0xFFFF, such as `～` U+FF5E, 3 bytes
 * starting 0xEE/0xEF). UTF-16 puts the surrogate first; UTF-8 puts it last. This function
 * compares code units and fixes up only that case: no allocation, one pass up to the first
 * difference.
 *
 * Keys must be well-formed UTF-16 (S3 keys are valid UTF-8, so listed keys always are); a lone
 * surrogate is ordered as its code unit, whereas `Buffer.from` would turn it into U+FFFD.
 *
 * @returns a negative number if `a` sorts before `b`, 0 if they are equal, a positive number
 * otherwise (not necessarily -1 or 1).
 * @example
 * ["😀", "～", "a"].sort(compareKeys); // ["a", "～", "😀"], as S3 lists them
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        const xSurrogate = x < 0xe000;
        if (xSurrogate !== y < 0xe000) return xSurrogate ? 1 : -1;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}
