import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { compositeEtag, hexToBase64, isMd5Etag, md5 } from "./checksums.js";

describe("compositeEtag", () => {
  it("is the MD5 of the concatenated binary part MD5s, with the part count", () => {
    const parts = [Buffer.from("a"), Buffer.from("bc")];
    const hexes = parts.map((p) => md5(p).toString("hex"));
    const expected = createHash("md5")
      .update(Buffer.concat(parts.map((p) => md5(p))))
      .digest("hex");
    expect(compositeEtag(hexes)).toBe(`${expected}-2`);
    expect(compositeEtag(hexes.map((h) => `"${h}"`))).toBe(`${expected}-2`);
  });
});

describe("isMd5Etag", () => {
  it("tells a plain MD5 from multipart and KMS-style ETags", () => {
    expect(isMd5Etag("d41d8cd98f00b204e9800998ecf8427e")).toBe(true);
    expect(isMd5Etag("d41d8cd98f00b204e9800998ecf8427e-3")).toBe(false);
    expect(isMd5Etag("")).toBe(false);
  });
});

describe("hexToBase64", () => {
  it("turns a hex MD5 into a Content-MD5 value", () => {
    expect(hexToBase64("d41d8cd98f00b204e9800998ecf8427e")).toBe("1B2M2Y8AsgTpgAmY7PhCfg==");
  });
});
