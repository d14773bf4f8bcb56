/** Medians per tool and dataset, and the markdown tables of the results. */

/** `ours`: parity settings (see OURS_SETTINGS in measure.ts); `ours-defaults`: config/local.ini. */
export const TOOLS = ["ours", "ours-defaults", "rclone"] as const;
export type Tool = (typeof TOOLS)[number];

export interface RunRecord {
  readonly dataset: string;
  readonly tool: Tool;
  readonly run: number;
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly objects: number;
  readonly bytes: number;
  readonly wallSeconds: number;
  readonly mibPerSec: number;
  readonly objectsPerSec: number;
  readonly cpuSeconds: number;
  readonly peakRssMiB: number;
  readonly serverCpuSeconds: number;
  readonly machineCpuSeconds: number;
  /** Our copier's own report (copy time without process start-up, memory-budget peak). */
  readonly ours?: Record<string, unknown>;
}

/** Targets, ours (parity settings) ÷ rclone in throughput. */
export const TARGETS: Record<string, number> = { large: 1.3, small: 1.2, mixed: 1.1 };

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

interface Summary {
  readonly runs: number;
  readonly failed: number;
  readonly wall: number;
  readonly mibPerSec: number;
  readonly objectsPerSec: number;
  readonly cpu: number;
  readonly rss: number;
  readonly server: number;
  readonly other: number;
  readonly bytes: number;
  readonly objects: number;
}

export function summarize(records: readonly RunRecord[], dataset: string, tool: Tool): Summary {
  const all = records.filter((r) => r.dataset === dataset && r.tool === tool);
  const ok = all.filter((r) => r.ok);
  const m = (f: (r: RunRecord) => number) => median(ok.map(f));
  return {
    runs: ok.length,
    failed: all.length - ok.length,
    wall: m((r) => r.wallSeconds),
    mibPerSec: m((r) => r.mibPerSec),
    objectsPerSec: m((r) => r.objectsPerSec),
    cpu: m((r) => r.cpuSeconds),
    rss: m((r) => r.peakRssMiB),
    server: m((r) => r.serverCpuSeconds),
    other: m((r) => r.machineCpuSeconds - r.cpuSeconds - r.serverCpuSeconds),
    bytes: ok[0]?.bytes ?? NaN,
    objects: ok[0]?.objects ?? NaN,
  };
}

const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "–");

export function markdown(records: readonly RunRecord[], datasets: readonly string[]): string {
  const present = TOOLS.filter((t) => records.some((r) => r.tool === t));
  const lines = [
    "| dataset | tool | runs ok | wall s | MiB/s | objects/s | CPU s (user+sys) | CPU s per GiB | CPU ms per object | peak RSS MiB | rgw+osd CPU s | other CPU s |",
    "| --- | --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |",
  ];
  for (const d of datasets) {
    for (const tool of present) {
      const s = summarize(records, d, tool);
      const gib = s.bytes / 2 ** 30;
      lines.push(
        `| ${d} | ${tool} | ${s.runs}/${s.runs + s.failed} | ${f(s.wall, 2)} | ${f(s.mibPerSec)} | ${f(s.objectsPerSec)} | ${f(s.cpu, 2)} | ${f(s.cpu / gib, 2)} | ${f((s.cpu / s.objects) * 1000, 2)} | ${f(s.rss, 0)} | ${f(s.server, 2)} | ${f(s.other, 2)} |`,
      );
    }
  }
  lines.push(
    "",
    "| dataset | MiB/s ours (parity) ÷ rclone | ours-defaults ÷ rclone | target (parity) | met? |",
    "| --- | --: | --: | --: | --- |",
  );
  for (const d of datasets) {
    const r = summarize(records, d, "rclone");
    const ratio = summarize(records, d, "ours").mibPerSec / r.mibPerSec;
    const defaults = summarize(records, d, "ours-defaults").mibPerSec / r.mibPerSec;
    const target = TARGETS[d] ?? NaN;
    const met = Number.isFinite(ratio) ? (ratio >= target ? "yes" : "no") : "no data";
    lines.push(`| ${d} | ${f(ratio, 2)} | ${f(defaults, 2)} | ≥ ${f(target, 1)} | ${met} |`);
  }
  return lines.join("\n");
}
