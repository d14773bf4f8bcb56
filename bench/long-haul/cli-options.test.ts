import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DEFAULT_TOOLS, parseOptions, UsageError } from "./cli-options.js";
import { SHIPPED_INI } from "./ours-ini.js";

const OLD = fileURLToPath(new URL("old-settings.ini", import.meta.url));

describe("parseOptions", () => {
  it("runs the shipped ini as ours next to every rclone variant by default", () => {
    // Act
    const o = parseOptions([]);
    // Assess
    expect(DEFAULT_TOOLS).toBe("ours,rclone-defaults,rclone-tuned,rclone-tuned-cutoff");
    expect(o.tools.map((t) => t.name)).toEqual(DEFAULT_TOOLS.split(","));
    expect(o.tools[0]).toMatchObject({ kind: "ours", label: "shipped", source: SHIPPED_INI });
    expect(o.noLink).toBe(false);
  });

  it("makes each --variant an ours tool, all selected by `ours`", () => {
    // Act
    const o = parseOptions([
      "--variant",
      `old=${OLD}`,
      "--variant",
      `new=${SHIPPED_INI}`,
      "--tools",
      "ours,rclone-tuned-cutoff",
    ]);
    // Assess
    expect(o.tools.map((t) => t.name)).toEqual(["ours:old", "ours:new", "rclone-tuned-cutoff"]);
  });

  it("selects one variant by its name", () => {
    // Act
    const o = parseOptions([
      "--variant",
      `old=${OLD}`,
      "--variant",
      `x=${OLD}`,
      "--tools",
      "ours:x",
    ]);
    // Assess
    expect(o.tools.map((t) => t.name)).toEqual(["ours:x"]);
  });

  it.each([
    [["--variant", "old"], /label=path.ini/],
    [["--variant", "old=/nonexistent.ini"], /does not exist/],
    [["--variant", `a=${OLD}`, "--variant", `a=${OLD}`], /given twice/],
    [["--tools", "ours,rsync"], /unknown tool rsync/],
    [["--datasets", "huge"], /unknown dataset huge/],
    [["--runs", "0"], /--runs: got 0/],
    [["--small-count", "many"], /--small-count: got many/],
    [["--bogus"], /bogus/],
  ])("rejects %j", (argv, message) => {
    // Act & Assess
    expect(() => parseOptions(argv)).toThrow(UsageError);
    expect(() => parseOptions(argv)).toThrow(message);
  });

  it("takes --no-link", () => {
    expect(parseOptions(["--no-link"]).noLink).toBe(true);
  });
});
