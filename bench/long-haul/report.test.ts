import { describe, expect, it } from "vitest";
import { markdown, type ReportedDataset, type RunResult, summarize } from "./report.js";

const small: ReportedDataset = {
  name: "small",
  description: "4 × 64 KiB",
  objects: 4,
  bytes: 4 * 65536,
  physicalLimitSeconds: 0.5,
};
const run = (tool: string, seconds: number, extra: Partial<RunResult> = {}): RunResult => ({
  dataset: "small",
  tool,
  run: 1,
  seconds,
  connections: 4,
  verified: true,
  problems: [],
  ...extra,
});

describe("summarize", () => {
  it("takes medians of verified runs only, in the tools' order", () => {
    // Prepare
    const runs = [
      run("ours", 2, { peakRssMiB: 100, cpuMsPerObject: 3, warmCpuMsPerObject: 2 }),
      run("ours", 4, { peakRssMiB: 120, cpuMsPerObject: 5, warmCpuMsPerObject: 3 }),
      run("ours", 1, { verified: false, problems: ["status table: 3 items, expected 4"] }),
      run("rclone-tuned", 1, { peakRssMiB: 50 }),
    ];
    // Act
    const rows = summarize([small], ["rclone-tuned", "ours"], runs);
    // Assess
    expect(rows.map((r) => r.tool)).toEqual(["rclone-tuned", "ours"]);
    expect(rows[1]).toMatchObject({
      runs: "2/3",
      medianSeconds: 3,
      medianPeakRssMiB: 110,
      medianCpuMsPerObject: 4,
      medianWarmCpuMsPerObject: 2.5,
      timesPhysicalLimit: 6,
    });
    expect(rows[0]?.medianCpuMsPerObject).toBeNaN();
  });
});

describe("markdown", () => {
  it("gives a tool with no verified run no median", () => {
    // Prepare
    const rows = summarize([small], ["ours"], [run("ours", Number.NaN, { verified: false })]);
    // Act
    const line = markdown([small], rows).split("\n")[2];
    // Assess
    expect(line).toBe(
      "| small (4 × 64 KiB) | ours | - (-; 0/1 verified) | - | - | - | - | - | - | 0.50 | - |",
    );
  });

  it("writes - where a value does not apply (no link, no CPU for rclone)", () => {
    // Prepare
    const noLink = { ...small, physicalLimitSeconds: undefined };
    const rows = summarize(
      [noLink],
      ["rclone-tuned"],
      [run("rclone-tuned", 2, { connections: undefined, peakRssMiB: 51.2 })],
    );
    // Act
    const table = markdown([noLink], rows);
    // Assess
    expect(table.split("\n")[2]).toBe(
      "| small (4 × 64 KiB) | rclone-tuned | 2.0 (2.0; 1/1 verified) | 0.13 | 2.0 | - | 51 | - | - | - | - |",
    );
  });
});
