import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { cpuSeconds, peakRssMiB, reapedChildrenCpuSeconds, sumOver } from "./proc-stats.js";

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

  it("counts a reaped child's whole CPU time", async () => {
    // Prepare: a child that spins for 300 ms of wall time (nearly all of it CPU).
    const before = reapedChildrenCpuSeconds();
    const child = spawn(process.execPath, [
      "-e",
      "const end = Date.now() + 300; while (Date.now() < end);",
    ]);
    // Act
    await once(child, "exit");
    const spent = reapedChildrenCpuSeconds() - before;
    // Assess: at least a third of its spin even on a busy machine, and not more than it could use.
    expect(spent).toBeGreaterThanOrEqual(0.1);
    expect(spent).toBeLessThan(5);
  });
});
