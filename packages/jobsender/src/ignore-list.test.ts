import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@s3-migration/common";
import { describe, expect, it } from "vitest";
import { compileIgnoreList, loadIgnoreList, parseIgnoreList } from "./ignore-list.js";

describe("compileIgnoreList", () => {
  const ignored = compileIgnoreList(["src/tmp/*", "*/*.tmp", "src/log-?.txt", "other/a+b (1).txt"]);

  it.each([
    ["src", "tmp/a", true],
    ["src", "tmp/deep/er/b", true],
    ["any", "x/y.tmp", true],
    ["src", "log-1.txt", true],
    ["src", "log-12.txt", false],
    ["src", "tmpx/a", false],
    ["other", "a+b (1).txt", true],
    ["other", "aab (1).txt", false],
    ["src", "keep.txt", false],
  ])("matches %s/%s: %s", (bucket, key, expected) => {
    expect(ignored(bucket, key)).toBe(expected);
  });

  it("matches keys with unicode and newlines", () => {
    expect(compileIgnoreList(["b/中文/*"])("b", "中文/😀\nx")).toBe(true);
  });

  it("ignores nothing without patterns", () => {
    expect(compileIgnoreList([])("b", "k")).toBe(false);
  });
});

describe("loadIgnoreList", () => {
  it("reads patterns, skipping blanks and comments", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ignore-"));
    writeFileSync(join(dir, "list.txt"), "# comment\n\nb/*.tmp\r\n  b/x?  \n");
    expect(await loadIgnoreList({ path: join(dir, "list.txt"), required: true })).toEqual([
      "b/*.tmp",
      "b/x?",
    ]);
    expect(parseIgnoreList("")).toEqual([]);
  });

  it("treats a missing default file as empty, a missing named file as an error", async () => {
    expect(await loadIgnoreList({ path: "/no/such/list.txt", required: false })).toEqual([]);
    await expect(
      loadIgnoreList({ path: "/no/such/list.txt", required: true }),
    ).rejects.toBeInstanceOf(ConfigError);
  });
});
