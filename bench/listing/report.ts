/** Medians per tool and the markdown table of the listing benchmark. */
import { median } from "../copy/report.js";
import type { Tool } from "./tools.js";

export interface ListingRun {
  readonly tool: Tool;
  readonly run: number;
  /** Exit status as expected and the differences found are exactly the scripted ones. */
  readonly ok: boolean;
  readonly problems: readonly string[];
  /** Source + destination objects: what each tool has to list. */
  readonly objectsListed: number;
  readonly wallSeconds: number;
  /** User + system CPU seconds of the tool's process (GNU time). */
  readonly cpuSeconds: number;
  readonly peakRssMiB: number;
  /** radosgw + ceph-osd CPU seconds during the run. */
  readonly serverCpuSeconds: number;
  /** Machine CPU seconds not spent by the tool or the server: other users of the box. */
  readonly otherCpuSeconds: number;
  /** 1-minute load average just before the run. */
  readonly loadBefore: number;
  /** The jobsender's own "in X s" (from its first request to its summary), ours only. */
  readonly innerSeconds?: number | undefined;
}

export interface ToolSummary {
  readonly tool: Tool;
  readonly ok: number;
  readonly runs: number;
  readonly wallSeconds: number;
  readonly objectsPerSecond: number;
  readonly cpuSeconds: number;
  readonly peakRssMiB: number;
  readonly serverCpuSeconds: number;
  readonly otherCpuSeconds: number;
}

/** Medians over the runs that were ok; NaN when none was. */
export function summarize(runs: readonly ListingRun[], tool: Tool): ToolSummary {
  const mine = runs.filter((r) => r.tool === tool);
  const ok = mine.filter((r) => r.ok);
  const m = (f: (r: ListingRun) => number) => (ok.length > 0 ? median(ok.map(f)) : NaN);
  return {
    tool,
    ok: ok.length,
    runs: mine.length,
    wallSeconds: m((r) => r.wallSeconds),
    objectsPerSecond: m((r) => r.objectsListed / r.wallSeconds),
    cpuSeconds: m((r) => r.cpuSeconds),
    peakRssMiB: m((r) => r.peakRssMiB),
    serverCpuSeconds: m((r) => r.serverCpuSeconds),
    otherCpuSeconds: m((r) => r.otherCpuSeconds),
  };
}

const f = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "–");

/** The results table, then ratios of every other tool to ours (> 1: ours is better). */
export function markdown(runs: readonly ListingRun[], tools: readonly Tool[]): string {
  const s = tools.map((t) => summarize(runs, t));
  const lines = [
    "| tool | runs ok | wall s | objects listed/s | CPU s | peak RSS MiB | rgw+osd CPU s | other CPU s |",
    "| --- | --: | --: | --: | --: | --: | --: | --: |",
    ...s.map(
      (t) =>
        `| ${t.tool} | ${t.ok}/${t.runs} | ${f(t.wallSeconds)} | ${f(t.objectsPerSecond, 0)} | ` +
        `${f(t.cpuSeconds)} | ${f(t.peakRssMiB, 0)} | ${f(t.serverCpuSeconds)} | ${f(t.otherCpuSeconds)} |`,
    ),
  ];
  const ours = s.find((t) => t.tool === "ours");
  const others = s.filter((t) => t.tool !== "ours");
  if (ours !== undefined && others.length > 0) {
    lines.push(
      "",
      "| other ÷ ours | wall | CPU s | peak RSS | rgw+osd CPU s |",
      "| --- | --: | --: | --: | --: |",
      ...others.map(
        (t) =>
          `| ${t.tool} | ${f(t.wallSeconds / ours.wallSeconds)} | ${f(t.cpuSeconds / ours.cpuSeconds)} | ` +
          `${f(t.peakRssMiB / ours.peakRssMiB)} | ${f(t.serverCpuSeconds / ours.serverCpuSeconds)} |`,
      ),
    );
  }
  return lines.join("\n");
}
