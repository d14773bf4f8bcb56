/** Medians per dataset and tool, each next to the link's physical limit, as markdown. */
import type { LongHaulDatasetName } from "./datasets.js";

export const TOOLS = ["ours", "rclone-defaults", "rclone-tuned"] as const;
export type Tool = (typeof TOOLS)[number];

/** One timed, verified run. */
export interface RunResult {
  readonly dataset: LongHaulDatasetName;
  readonly tool: Tool;
  readonly run: number;
  readonly seconds: number;
  /** Connections the link accepted during the run (the tool's, the jobsender's listing included). */
  readonly connections: number;
  readonly verified: boolean;
  readonly problems: readonly string[];
  /** Ours only: worker CPU seconds. */
  readonly workerCpuSeconds?: number;
  /** Ours only: the first worker's "worker started" line (maxParallelFile, maxThread). */
  readonly workerSettings?: Record<string, unknown>;
}

/** A dataset as the report needs it. */
export interface ReportedDataset {
  readonly name: LongHaulDatasetName;
  readonly description: string;
  readonly objects: number;
  readonly bytes: number;
  readonly physicalLimitSeconds: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** One row per dataset and tool: median of the verified runs. */
export function summarize(datasets: readonly ReportedDataset[], runs: readonly RunResult[]) {
  return datasets.flatMap((d) =>
    TOOLS.flatMap((tool) => {
      const ok = runs.filter((r) => r.dataset === d.name && r.tool === tool && r.verified);
      const all = runs.filter((r) => r.dataset === d.name && r.tool === tool);
      if (all.length === 0) return [];
      const seconds = median(ok.map((r) => r.seconds));
      return [
        {
          dataset: d.name,
          tool,
          runs: `${ok.length}/${all.length}`,
          medianSeconds: seconds,
          runSeconds: all.map((r) => r.seconds),
          mibPerSec: d.bytes / 2 ** 20 / seconds,
          objectsPerSec: d.objects / seconds,
          medianConnections: median(ok.map((r) => r.connections)),
          timesPhysicalLimit: seconds / d.physicalLimitSeconds,
          physicalLimitSeconds: d.physicalLimitSeconds,
        },
      ];
    }),
  );
}

/** The markdown table of {@link summarize}'s rows. */
export function markdown(
  datasets: readonly ReportedDataset[],
  rows: ReturnType<typeof summarize>,
): string {
  const head =
    "| Dataset | Tool | Median s (runs) | MiB/s | Objects/s | Connections | Physical limit s | × limit |\n" +
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  const body = rows
    .map((r) => {
      const d = datasets.find((x) => x.name === r.dataset);
      return `| ${r.dataset} (${d?.description}) | ${r.tool} | ${r.medianSeconds.toFixed(1)} (${r.runSeconds.map((s) => s.toFixed(1)).join(", ")}; ${r.runs} verified) | ${r.mibPerSec.toFixed(2)} | ${r.objectsPerSec.toFixed(1)} | ${r.medianConnections} | ${r.physicalLimitSeconds.toFixed(2)} | ${r.timesPhysicalLimit.toFixed(1)} |`;
    })
    .join("\n");
  return `${head}${body}\n`;
}
