const MD5 = /^[0-9a-f]{32}$/i;
const MULTIPART = /^[0-9a-f]{32}-([1-9][0-9]*)$/i;

/**
 * The shape of an ETag (without quotes): `"md5"` for a single-part upload's 32 hex digits,
 * `"multipart-N"` for `<32 hex>-N`, `undefined` for anything else (empty, non-S3 formats).
 *
 * @example
 * etagShape("9b2cf535f27731c974343645a3985328-3"); // "multipart-3"
 */
export function etagShape(etag: string): string | undefined {
  if (MD5.test(etag)) return "md5";
  const parts = MULTIPART.exec(etag)?.[1];
  return parts === undefined ? undefined : `multipart-${parts}`;
}

/**
 * Whether two ETags say something about the data when compared: both plain MD5, or both
 * multipart with the same part count. Different shapes come from different upload methods and
 * differ even for identical data.
 */
export function etagsComparable(a: string, b: string): boolean {
  const shape = etagShape(a);
  return shape !== undefined && shape === etagShape(b);
}

/**
 * Compares two ETags: `"same"` (equal, ignoring hex case), `"different"` (comparable and not
 * equal) or `"incomparable"` (see {@link etagsComparable}).
 */
export function compareEtags(a: string, b: string): "same" | "different" | "incomparable" {
  if (a === b) return "same";
  if (!etagsComparable(a, b)) return "incomparable";
  return a.toLowerCase() === b.toLowerCase() ? "same" : "different";
}
