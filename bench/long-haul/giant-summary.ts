/**
 * The giant-object runs in numbers: which worker process copied which slices (their JSON log
 * lines), the medians per worker count, the speedup over the fewest workers, as markdown.
 * Pure: no I/O.
 */
import { MB } from "./link.js";
import type { LinkShape } from "./physical-limit.js";
import { fixed, median } from "./report.js";

/** One worker process's log lines, each with `at` (ms, the bench's clock, when it arrived). */
export interface WorkerLog {
  readonly worker: number;
  readonly lines: readonly Record<string, unknown>[];
}

/** What the workers' logs tell about one run of the split. */
export interface SliceSpread {
  /** "slice copied" lines of each worker process (index = worker). */
  readonly slicesPerWorker: readonly number[];
  /** Distinct slice numbers copied; the "object split" line's slices and slicesSent. */
  readonly distinctSlices: number;
  readonly slices?: number;
  readonly slicesSent?: number;
  readonly partsCopied: number;
  readonly partsReused: number;
  /** Lines at level error and warn, and the first few of their messages. */
  readonly errorLines: number;
  readonly warnLines: number;
  readonly notices: readonly string[];
  /** "object split" → the last "slice copied", and that → "object copied", seconds. */
  readonly slicePhaseSeconds?: number;
  readonly completeSeconds?: number;
}

const numberOf = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

/** Reads the split's story out of the workers' lines. */
export function sliceSpread(logs: readonly WorkerLog[]): SliceSpread {
  const all = logs.flatMap((l) => l.lines);
  const at = (message: string) =>
    all.filter((l) => l.message === message).map((l) => numberOf(l.at) ?? Number.NaN);
  const sliceLines = all.filter((l) => l.message === "slice copied");
  const split = all.find((l) => l.message === "object split");
  const sum = (key: string) => sliceLines.reduce((n, l) => n + (numberOf(l[key]) ?? 0), 0);
  const noisy = all.filter((l) => l.level === "error" || l.level === "warn");
  const splitAt = at("object split")[0];
  const lastSlice = Math.max(...at("slice copied"));
  const copiedAt = Math.max(...at("object copied"));
  const seconds = (from: number | undefined, to: number) =>
    from !== undefined && Number.isFinite(from) && Number.isFinite(to)
      ? (to - from) / 1000
      : undefined;
  const slices = numberOf(split?.slices);
  const slicesSent = numberOf(split?.slicesSent);
  const slicePhaseSeconds = seconds(splitAt, lastSlice);
  const completeSeconds = seconds(lastSlice, copiedAt);
  return {
    slicesPerWorker: logs.map((l) => l.lines.filter((x) => x.message === "slice copied").length),
    distinctSlices: new Set(sliceLines.map((l) => l.slice)).size,
    ...(slices === undefined ? {} : { slices }),
    ...(slicesSent === undefined ? {} : { slicesSent }),
    partsCopied: sum("partsCopied"),
    partsReused: sum("partsReused"),
    errorLines: noisy.filter((l) => l.level === "error").length,
    warnLines: noisy.filter((l) => l.level === "warn").length,
    notices: [...new Set(noisy.map((l) => `${l.level}: ${String(l.message)}`))].slice(0, 5),
    ...(slicePhaseSeconds === undefined ? {} : { slicePhaseSeconds }),
    ...(completeSeconds === undefined ? {} : { completeSeconds }),
  };
}

/** One timed run; it counts only when verified (bytes and the status table). */
export interface GiantRun {
  readonly workers: number;
  readonly run: number;
  readonly seconds: number;
  readonly verified: boolean;
  readonly problems: readonly string[];
  readonly connections?: number;
  readonly spread?: SliceSpread;
  /** Worker CPU seconds in the run, summed over the workers. */
  readonly timedCpuSeconds?: number;
  readonly workerPeakRssMiB?: readonly number[];
  readonly jobsenderSeconds?: number;
  /** The 1-minute load average when the run started (the machine is shared). */
  readonly loadBefore?: number;
}

/** The link and the limits the ideal time follows from. */
export interface GiantShape {
  readonly bytes: number;
  readonly link: LinkShape;
  readonly maxConnections: number;
}

/**
 * Seconds `workers` processes need at best: the bytes at every connection's rate at once,
 * never faster than the link's total cap; no round trips, no start-up.
 */
export function idealSeconds(s: GiantShape, workers: number): number {
  const rate = workers * s.maxConnections * s.link.perConnectionBytesPerSec;
  return s.bytes / Math.min(rate, s.link.totalBytesPerSec ?? Number.POSITIVE_INFINITY);
}

/** `slicesPerWorker` as "4+5+3" (workers in order); "no split" when the object was not split. */
const spreadText = (r: GiantRun) =>
  r.spread === undefined
    ? "-"
    : r.spread.slices === undefined
      ? "no split"
      : r.spread.slicesPerWorker.join("+");

/** One row per worker count (in `workers`' order); speedups against the first count. */
export function summarizeGiant(
  shape: GiantShape,
  workers: readonly number[],
  runs: readonly GiantRun[],
) {
  const rows = workers.map((n) => {
    const all = runs.filter((r) => r.workers === n);
    const ok = all.filter((r) => r.verified);
    const seconds = median(ok.map((r) => r.seconds));
    const phases = ok.flatMap((r) => r.spread?.slicePhaseSeconds ?? []);
    return {
      workers: n,
      runs: `${ok.length}/${all.length}`,
      medianSeconds: seconds,
      runSeconds: all.map((r) => r.seconds),
      mbPerSec: shape.bytes / MB / seconds,
      idealSeconds: idealSeconds(shape, n),
      medianSlicePhaseSeconds: median(phases),
      spreads: all.map(spreadText),
      loads: all.map((r) => r.loadBefore ?? Number.NaN),
      errorLines: all.reduce((k, r) => k + (r.spread?.errorLines ?? 0), 0),
      warnLines: all.reduce((k, r) => k + (r.spread?.warnLines ?? 0), 0),
    };
  });
  const base = rows[0];
  return rows.map((r) => ({
    ...r,
    speedup: (base?.medianSeconds ?? Number.NaN) / r.medianSeconds,
    idealSpeedup: (base?.idealSeconds ?? Number.NaN) / r.idealSeconds,
    slicePhaseSpeedup: (base?.medianSlicePhaseSeconds ?? Number.NaN) / r.medianSlicePhaseSeconds,
  }));
}

/** The markdown table of {@link summarizeGiant}'s rows. */
export function giantMarkdown(rows: ReturnType<typeof summarizeGiant>): string {
  const first = rows[0]?.workers ?? 1;
  const head =
    `| Worker processes | Median s (runs) | MB/s | Speedup vs ${first} (ideal) | Ideal s | Slice phase s (speedup) | Slices per worker, each run | Error / warn lines | Load before each run |\n` +
    "| ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |\n";
  const body = rows
    .map((r) => {
      const cells = [
        String(r.workers),
        `${fixed(r.medianSeconds, 1)} (${r.runSeconds.map((s) => fixed(s, 1)).join(", ")}; ${r.runs} verified)`,
        fixed(r.mbPerSec, 2),
        `${fixed(r.speedup, 2)}× (${fixed(r.idealSpeedup, 1)}×)`,
        fixed(r.idealSeconds, 1),
        `${fixed(r.medianSlicePhaseSeconds, 1)} (${fixed(r.slicePhaseSpeedup, 2)}×)`,
        r.spreads.join("; "),
        `${r.errorLines} / ${r.warnLines}`,
        r.loads.map((l) => fixed(l, 1)).join(", "),
      ];
      return `| ${cells.join(" | ")} |`;
    })
    .join("\n");
  return `${head}${body}\n`;
}
