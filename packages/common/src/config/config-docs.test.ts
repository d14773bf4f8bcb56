import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONFIG_KEYS } from "./parse-config.js";

// config/README.md is where operators look a key up: every key the parser accepts has its row.
const README = readFileSync(new URL("../../../../config/README.md", import.meta.url), "utf8");

describe("config/README.md", () => {
  it("has a row in the Keys table for every key the parser accepts", () => {
    // Act
    const missing = CONFIG_KEYS.filter((key) => !README.includes(`| \`${key}\``));
    // Assess
    expect(missing).toEqual([]);
  });
});
