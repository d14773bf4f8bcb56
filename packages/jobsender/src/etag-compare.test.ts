import { describe, expect, it } from "vitest";
import { compareEtags, etagShape } from "./etag-compare.js";

const MD5_A = "9b2cf535f27731c974343645a3985328";
const MD5_B = "d41d8cd98f00b204e9800998ecf8427e";

describe("etagShape", () => {
  it.each([
    [MD5_A, "md5"],
    [MD5_A.toUpperCase(), "md5"],
    [`${MD5_A}-3`, "multipart-3"],
    [`${MD5_A}-10000`, "multipart-10000"],
    [`${MD5_A}-0`, undefined],
    ["", undefined],
    ["abc", undefined],
    [`W/${MD5_A}`, undefined],
  ])("sees %j as %s", (etag, shape) => {
    // Act
    const result = etagShape(etag);

    // Assess
    expect(result).toBe(shape);
  });
});

describe("compareEtags", () => {
  it.each([
    ["equal plain MD5", MD5_A, MD5_A, "same"],
    ["MD5 in another case", MD5_A, MD5_A.toUpperCase(), "same"],
    ["different plain MD5", MD5_A, MD5_B, "different"],
    ["multipart, same part count", `${MD5_A}-2`, `${MD5_B}-2`, "different"],
    ["multipart, other part count", `${MD5_A}-2`, `${MD5_B}-3`, "incomparable"],
    ["plain against multipart", MD5_A, `${MD5_B}-1`, "incomparable"],
    ["an unknown format", MD5_A, "opaque-etag", "incomparable"],
    ["a missing ETag", "", MD5_A, "incomparable"],
    ["two equal unknown ETags", "opaque", "opaque", "same"],
  ])("%s → %s", (_label, a, b, expected) => {
    // Act
    const forward = compareEtags(a, b);
    const backward = compareEtags(b, a);

    // Assess
    expect(forward).toBe(expected);
    expect(backward).toBe(expected);
  });
});
