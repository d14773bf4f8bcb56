import { describe, expect, it } from "vitest";
import { UsageError } from "./cli-options.js";
import { limitKeys, withKeys } from "./giant-ini.js";
import { parseGiantOptions } from "./giant-options.js";
import {
  type GiantRun,
  type GiantShape,
  giantMarkdown,
  idealSeconds,
  sliceSpread,
  summarizeGiant,
} from "./giant-summary.js";
import { MB } from "./link.js";

const MIB = 2 ** 20;
const shape: GiantShape = {
  bytes: 240 * MIB,
  link: { rttMs: 200, perConnectionBytesPerSec: MB },
  maxConnections: 8,
};

describe("parseGiantOptions", () => {
  it("measures 1 and 3 workers with the same per-worker limits by default", () => {
    // Act
    const o = parseGiantOptions([]);
    // Assess
    expect(o.workers).toEqual([1, 3]);
    expect(o.runs).toBe(3);
    expect(o.sizeMiB).toBe(240);
    expect(o.limits).toEqual({
      maxConnections: 8,
      chunkMiB: 5,
      splitThresholdMiB: 100,
      splitSliceMiB: 20,
    });
    expect(o.shape).toEqual({
      rttMs: 200,
      perConnectionBytesPerSec: MB,
      totalBytesPerSec: undefined,
    });
  });

  it("refuses a slice smaller than a part, and a worker count twice", () => {
    expect(() => parseGiantOptions(["--slice-mib", "5", "--chunk-mib", "8"])).toThrow(UsageError);
    expect(() => parseGiantOptions(["--workers", "1,3,1"])).toThrow(/twice/);
    expect(() => parseGiantOptions(["--workers", "0"])).toThrow(UsageError);
  });

  it("leaves MaxParallelFile unset unless asked", () => {
    expect(parseGiantOptions([]).limits.maxParallelFile).toBeUndefined();
    const o = parseGiantOptions(["--max-parallel-file", "2"]);
    expect(limitKeys(o.limits).MaxParallelFile).toBe("2");
  });
});

describe("withKeys", () => {
  it("sets each key once, in a section of its own, whatever section had it", () => {
    // Prepare
    const ini = "[Basic]\nMaxConnections = 256\n; SplitThreshold = 10240\n[Debug]\nChunkSize = 5\n";
    const keys = limitKeys({
      maxConnections: 8,
      chunkMiB: 5,
      splitThresholdMiB: 100,
      splitSliceMiB: 20,
    });
    // Act
    const out = withKeys(ini, keys);
    // Assess
    expect(out).toBe(
      "[Basic]\n; SplitThreshold = 10240\n[Debug]\n\n[GiantObjectBench]\n" +
        "MaxConnections = 8\nChunkSize = 5\nSplitThreshold = 100\nSplitSliceSize = 20\n",
    );
  });
});

const line = (message: string, at: number, extra: Record<string, unknown> = {}) => ({
  level: "info",
  message,
  at,
  ...extra,
});

describe("sliceSpread", () => {
  it("counts each worker's slices and times the slice phase from the lines' arrival", () => {
    // Prepare
    const logs = [
      {
        worker: 0,
        lines: [
          line("object split", 1000, { slices: 3, slicesSent: 3 }),
          line("slice copied", 5000, { slice: 1, partsCopied: 4, partsReused: 0 }),
          line("object copied", 9500),
        ],
      },
      {
        worker: 1,
        lines: [
          line("slice copied", 4000, { slice: 2, partsCopied: 4, partsReused: 0 }),
          line("slice copied", 9000, { slice: 3, partsCopied: 3, partsReused: 1 }),
          { level: "warn", message: "part retried", at: 3000 },
        ],
      },
      { worker: 2, lines: [] },
    ];
    // Act
    const s = sliceSpread(logs);
    // Assess
    expect(s).toEqual({
      slicesPerWorker: [1, 2, 0],
      distinctSlices: 3,
      slices: 3,
      slicesSent: 3,
      partsCopied: 11,
      partsReused: 1,
      errorLines: 0,
      warnLines: 1,
      notices: ["warn: part retried"],
      slicePhaseSeconds: 8,
      completeSeconds: 0.5,
    });
  });

  it("leaves the phases out when nothing was split", () => {
    const s = sliceSpread([{ worker: 0, lines: [line("object copied", 10)] }]);
    expect(s.slicePhaseSeconds).toBeUndefined();
    expect(s.slices).toBeUndefined();
    expect(s.slicesPerWorker).toEqual([0]);
  });
});

const run = (workers: number, seconds: number, extra: Partial<GiantRun> = {}): GiantRun => ({
  workers,
  run: 1,
  seconds,
  verified: true,
  problems: [],
  ...extra,
});

describe("summarizeGiant", () => {
  it("takes medians of verified runs and the speedup against the first worker count", () => {
    // Prepare
    const runs = [
      run(1, 36),
      run(1, 34),
      run(1, 35),
      run(3, 14),
      run(3, 12),
      run(3, 1, { verified: false, problems: ["x: missing"] }),
      run(3, 13),
    ];
    // Act
    const rows = summarizeGiant(shape, [1, 3], runs);
    // Assess
    expect(rows.map((r) => [r.workers, r.runs, r.medianSeconds])).toEqual([
      [1, "3/3", 35],
      [3, "3/4", 13],
    ]);
    expect(rows[1]?.speedup).toBeCloseTo(35 / 13);
    expect(rows[1]?.idealSpeedup).toBeCloseTo(3);
    expect(rows[0]?.speedup).toBe(1);
  });

  it("caps the ideal time at the link's total", () => {
    const capped = { ...shape, link: { ...shape.link, totalBytesPerSec: 10 * MB } };
    expect(idealSeconds(shape, 3)).toBeCloseTo((240 * MIB) / (24 * MB));
    expect(idealSeconds(capped, 3)).toBeCloseTo((240 * MIB) / (10 * MB));
  });
});

describe("giantMarkdown", () => {
  it("writes one row per worker count with each run's slice spread", () => {
    // Prepare
    const spread = (slicesPerWorker: number[]) => ({
      ...sliceSpread([]),
      slices: 12,
      slicesPerWorker,
      slicePhaseSeconds: 10,
    });
    const runs = [
      run(1, 40, { spread: { ...spread([12]), slicePhaseSeconds: 30 } }),
      run(3, 16, { spread: spread([4, 5, 3]), loadBefore: 0.42 }),
    ];
    // Act
    const lines = giantMarkdown(summarizeGiant(shape, [1, 3], runs)).split("\n");
    // Assess
    expect(lines[0]).toContain("Speedup vs 1 (ideal)");
    expect(lines[3]).toBe(
      "| 3 | 16.0 (16.0; 1/1 verified) | 15.73 | 2.50× (3.0×) | 10.5 | 10.0 (3.00×) | 4+5+3 | 0 / 0 | 0.4 |",
    );
  });
});
