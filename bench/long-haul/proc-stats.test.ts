import { describe, expect, it } from "vitest";
import { cpuSeconds, peakRssMiB, sumOver } from "./proc-stats.js";

describe("proc-stats", () => {
  it("reads this process's CPU time and peak RSS", () => {
    // Act
    const cpu = cpuSeconds(process.pid);
    const peak = peakRssMiB(process.pid);
    // Assess
    expect(cpu).toBeGreaterThan(0);
    expect(peak).toBeGreaterThanOrEqual(process.memoryUsage().rss / 2 ** 20 - 1);
  });

  it("gives undefined for a process that is gone, and a sum over it NaN", () => {
    // Prepare
    const gone = 2 ** 22 + 1; // above the largest pid_max
    // Act & Assess
    expect(cpuSeconds(gone)).toBeUndefined();
    expect(peakRssMiB(gone)).toBeUndefined();
    expect(sumOver([process.pid, gone], cpuSeconds)).toBeNaN();
  });
});
