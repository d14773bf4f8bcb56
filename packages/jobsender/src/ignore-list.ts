import { readFile } from "node:fs/promises";
import { ConfigError } from "@s3-migration/common";

/** Decides whether `bucket/key` is on the ignore list. */
export type IgnoreMatcher = (bucket: string, key: string) => boolean;

/**
 * Compiles ignore patterns, as the original tool accepted them: each is matched against the
 * whole `bucket/key`; `*` matches any run of characters (including `/`), `?` exactly one.
 */
export function compileIgnoreList(patterns: readonly string[]): IgnoreMatcher {
  if (patterns.length === 0) return () => false;
  const source = patterns
    .map((p) => [...p].map((c) => (c === "*" ? ".*" : c === "?" ? "." : escapeRegExp(c))).join(""))
    .join("|");
  const re = new RegExp(`^(?:${source})$`, "su");
  return (bucket, key) => re.test(`${bucket}/${key}`);
}

function escapeRegExp(c: string): string {
  return c.replace(/[.+^${}()|[\]\\/]/g, "\\$&");
}

/** The patterns of an ignore-list file: one per line, blank lines and `#` comments skipped. */
export function parseIgnoreList(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/** Reads the ignore list; a missing file is an empty list unless it was named explicitly. */
export async function loadIgnoreList(list: { path: string; required: boolean }): Promise<string[]> {
  try {
    return parseIgnoreList(await readFile(list.path, "utf8"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" && !list.required) return [];
    throw new ConfigError(
      "cannot read the ignore list",
      [{ key: "IgnoreListFile", value: list.path, expected: "a readable text file" }],
      { cause: err },
    );
  }
}
