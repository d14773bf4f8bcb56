import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = dirname(fileURLToPath(import.meta.url));

/**
 * The worker's folders from top to bottom (the dependency rule of the package README): a file
 * imports from its own folder or from folders below it, never from one above.
 */
const LAYERS = [
  ".",
  "lambda",
  "service",
  "engine",
  "engine/multipart",
  "engine/transfer",
  "engine/hashing",
  "engine/memory",
  "lean-s3",
] as const;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

function folderOf(file: string): string {
  return relative(SRC, dirname(file)) || ".";
}

/** Every relative import of a file, resolved to the imported file's path. */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)];
  return specs.map((m) => resolve(dirname(file), m[1] ?? ""));
}

describe("the worker's dependency rule", () => {
  const files = sourceFiles(SRC);

  it("places every folder of the package in a layer", () => {
    // Assess: a new folder must be given its place in the rule before it can hold code.
    const folders = new Set(files.map(folderOf).filter((f) => f !== "testing"));
    expect([...folders].filter((f) => !(LAYERS as readonly string[]).includes(f))).toEqual([]);
  });

  it("has no product file importing from a folder above its own, or from testing/", () => {
    // Prepare
    const product = files.filter((f) => !f.endsWith(".test.ts") && folderOf(f) !== "testing");
    // Act
    const upward = product.flatMap((file) => {
      const from = LAYERS.indexOf(folderOf(file) as (typeof LAYERS)[number]);
      return relativeImports(file)
        .filter((target) => {
          const folder = folderOf(target);
          if (folder === "testing") return true;
          return LAYERS.indexOf(folder as (typeof LAYERS)[number]) < from;
        })
        .map((target) => `${relative(SRC, file)} → ${relative(SRC, target)}`);
    });
    // Assess
    expect(upward).toEqual([]);
  });
});
