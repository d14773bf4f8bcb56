/** Medians per dataset and tool, each next to the link's physical limit, as markdown. */
import type { LongHaulDatasetName } from "./datasets.js";

/** One timed run; it counts only when verified (every object, and for ours the status table). */
export interface RunResult {
  readonly dataset: LongHaulDatasetName;
  /** `ours`, `ours:<label>` or an rclone variant. */
  readonly tool: string;
  readonly run: number;
  readonly seconds: number;
  /** Connections the link accepted during the run (the jobsender's listing included); none without a link. */
  readonly connections?: number;
  readonly verified: boolean;
  readonly problems: readonly string[];
  /** The process's peak RSS (VmHWM), MiB; for ours the largest over its workers. */
  readonly peakRssMiB?: number;
  /** Ours only: each worker's peak RSS, MiB. */
  readonly workerPeakRssMiB?: readonly number[];
  /** Ours only: worker CPU seconds over the workers' whole life (idle polling included). */
  readonly workerCpuSeconds?: number;
  /** Ours only: worker CPU seconds from the jobsender's start to the last object copied. */
  readonly timedCpuSeconds?: number;
  /** rclone only: the process's CPU seconds, its listing included. */
  readonly processCpuSeconds?: number;
  /** CPU ms per object: ours {@link timedCpuSeconds}, rclone {@link processCpuSeconds}. */
  readonly cpuMsPerObject?: number;
  /** Ours only: worker CPU ms per object from a quarter of the objects on (warm workers). */
  readonly warmCpuMsPerObject?: number;
  /** Ours only: jobsender start → its exit, and → the first object copied. */
  readonly jobsenderSeconds?: number;
  readonly firstCopySeconds?: number;
  /** Ours only: the status table's time (jobsender start → latest `endTime`), the cross-check. */
  readonly statusTableSeconds?: number;
  /** Ours only: the ini it ran with (the variant's, local-stack keys added). */
  readonly ini?: string;
  /** Ours only: the first worker's "worker started" line (its settings as loaded). */
  readonly workerSettings?: Record<string, unknown>;
}

/** A dataset as the report needs it. */
export interface ReportedDataset {
  readonly name: LongHaulDatasetName;
  readonly description: string;
  readonly objects: number;
  readonly bytes: number;
  /** None with `--no-link`. */
  readonly physicalLimitSeconds?: number;
}

/** The median; NaN for no values (a tool with no verified run). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** The median of the values that are there (NaN when none is). */
function medianOf(values: readonly (number | undefined)[]): number {
  const there = values.filter((v): v is number => v !== undefined && !Number.isNaN(v));
  return there.length === 0 ? Number.NaN : median(there);
}

/** One row per dataset and tool (in `tools`' order): medians of the verified runs. */
export function summarize(
  datasets: readonly ReportedDataset[],
  tools: readonly string[],
  runs: readonly RunResult[],
) {
  return datasets.flatMap((d) =>
    tools.flatMap((tool) => {
      const ok = runs.filter((r) => r.dataset === d.name && r.tool === tool && r.verified);
      const all = runs.filter((r) => r.dataset === d.name && r.tool === tool);
      if (all.length === 0) return [];
      const seconds = median(ok.map((r) => r.seconds));
      const limit = d.physicalLimitSeconds ?? Number.NaN;
      return [
        {
          dataset: d.name,
          tool,
          runs: `${ok.length}/${all.length}`,
          medianSeconds: seconds,
          runSeconds: all.map((r) => r.seconds),
          mibPerSec: d.bytes / 2 ** 20 / seconds,
          objectsPerSec: d.objects / seconds,
          medianConnections: medianOf(ok.map((r) => r.connections)),
          medianPeakRssMiB: medianOf(ok.map((r) => r.peakRssMiB)),
          medianCpuMsPerObject: medianOf(ok.map((r) => r.cpuMsPerObject)),
          medianWarmCpuMsPerObject: medianOf(ok.map((r) => r.warmCpuMsPerObject)),
          medianStatusTableSeconds: medianOf(ok.map((r) => r.statusTableSeconds)),
          timesPhysicalLimit: seconds / limit,
          physicalLimitSeconds: limit,
        },
      ];
    }),
  );
}

/** `x` with `digits` decimals, or "-" when it is not a number. */
export function fixed(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : "-";
}

/** The markdown table of {@link summarize}'s rows. */
export function markdown(
  datasets: readonly ReportedDataset[],
  rows: ReturnType<typeof summarize>,
): string {
  const head =
    "| Dataset | Tool | Median s (runs) | MiB/s | Objects/s | Connections | Peak RSS MiB | CPU ms/object | Warm CPU ms/object | Physical limit s | × limit |\n" +
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  const body = rows
    .map((r) => {
      const d = datasets.find((x) => x.name === r.dataset);
      const runs = `${fixed(r.medianSeconds, 1)} (${r.runSeconds.map((s) => fixed(s, 1)).join(", ")}; ${r.runs} verified)`;
      const cells = [
        `${r.dataset} (${d?.description})`,
        r.tool,
        runs,
        fixed(r.mibPerSec, 2),
        fixed(r.objectsPerSec, 1),
        fixed(r.medianConnections, 0),
        fixed(r.medianPeakRssMiB, 0),
        fixed(r.medianCpuMsPerObject, 2),
        fixed(r.medianWarmCpuMsPerObject, 2),
        fixed(r.physicalLimitSeconds, 2),
        fixed(r.timesPhysicalLimit, 1),
      ];
      return `| ${cells.join(" | ")} |`;
    })
    .join("\n");
  return `${head}${body}\n`;
}
