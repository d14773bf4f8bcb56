/**
 * run-long-haul.ts's command line, checked: every problem is a {@link UsageError} (the script
 * exits 2 with its message). The README lists every flag.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";
import {
  type DatasetSizes,
  ISSUE_SIZES,
  type LongHaulDatasetName,
  QUICK_SIZES,
} from "./datasets.js";
import { MB } from "./link.js";
import { SHIPPED_INI } from "./ours-ini.js";
import type { LinkShape } from "./physical-limit.js";
import { RCLONE_VARIANTS, type RcloneVariant } from "./rclone.js";

/** A variant of ours: a label and the ini it runs with (plus the local stack's keys). */
export interface OursTool {
  readonly kind: "ours";
  /** `ours`, or `ours:<label>` when variants are given. */
  readonly name: string;
  readonly label: string;
  /** The ini as given (absolute). */
  readonly source: string;
}

/** One of rclone's variants. */
export interface RcloneTool {
  readonly kind: "rclone";
  readonly name: RcloneVariant;
}

export type ToolSpec = OursTool | RcloneTool;

/** Everything a benchmark session is asked to do. */
export interface BenchOptions {
  readonly shape: LinkShape;
  /** The access-key side at the china tenant directly (loopback), no link. */
  readonly noLink: boolean;
  readonly sizes: DatasetSizes;
  readonly datasets: readonly LongHaulDatasetName[];
  /** In the order given; the order rotates from run to run. */
  readonly tools: readonly ToolSpec[];
  readonly runs: number;
  readonly workers: number;
  readonly timeoutSec: number;
  /** Leave the source buckets. */
  readonly keep: boolean;
}

/** A bad command line. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export const DEFAULT_TOOLS = ["ours", ...Object.keys(RCLONE_VARIANTS)].join(",");
const DATASETS: readonly LongHaulDatasetName[] = ["mixed", "small"];

const OPTIONS = {
  "rtt-ms": { type: "string", default: "200" },
  "per-connection-mbps": { type: "string", default: "1" },
  "total-mbps": { type: "string" },
  "no-link": { type: "boolean", default: false },
  runs: { type: "string", default: "3" },
  datasets: { type: "string", default: DATASETS.join(",") },
  tools: { type: "string", default: DEFAULT_TOOLS },
  variant: { type: "string", multiple: true, default: [] as string[] },
  workers: { type: "string", default: "1" },
  "issue-sizes": { type: "boolean", default: false },
  "large-mib": { type: "string" },
  "medium-count": { type: "string" },
  "medium-mib": { type: "string" },
  "mixed-small-count": { type: "string" },
  "small-count": { type: "string" },
  "small-kib": { type: "string" },
  "timeout-sec": { type: "string", default: "900" },
  keep: { type: "boolean", default: false },
} as const;

/** A flag's value as a number ≥ `min` (and whole, if asked); a {@link UsageError} otherwise. */
export function num(flag: string, value: string | undefined, min: number, integer = false): number {
  const n = Number(value);
  if (value === undefined || value === "" || !Number.isFinite(n) || n < min) {
    throw new UsageError(`--${flag}: got ${value}; expected a number ≥ ${min}`);
  }
  if (integer && !Number.isInteger(n)) {
    throw new UsageError(`--${flag}: got ${value}; expected a whole number`);
  }
  return n;
}

/** The variants of ours: each `--variant label=path.ini`, or the shipped ini as `ours`. */
export function oursVariants(specs: readonly string[]): OursTool[] {
  if (specs.length === 0)
    return [{ kind: "ours", name: "ours", label: "shipped", source: SHIPPED_INI }];
  const variants = specs.map((spec): OursTool => {
    const m = /^([A-Za-z0-9._-]+)=(.+)$/.exec(spec);
    if (m?.[1] === undefined || m[2] === undefined) {
      throw new UsageError(
        `--variant ${spec}: expected label=path.ini (label: letters, digits, . _ -)`,
      );
    }
    const source = resolve(m[2]);
    if (!existsSync(source)) throw new UsageError(`--variant ${spec}: ${source} does not exist`);
    return { kind: "ours", name: `ours:${m[1]}`, label: m[1], source };
  });
  const labels = variants.map((v) => v.label);
  const twice = labels.filter((l, i) => labels.indexOf(l) !== i);
  if (twice.length > 0) throw new UsageError(`--variant: label ${twice[0]} given twice`);
  return variants;
}

/** `--tools`: `ours` stands for every variant of ours, `ours:<label>` for one. */
export function selectTools(list: string, ours: readonly OursTool[]): ToolSpec[] {
  const picked = list.split(",").flatMap((name): ToolSpec[] => {
    if (name === "ours") return [...ours];
    const variant = ours.find((v) => v.name === name);
    if (variant !== undefined) return [variant];
    if (name in RCLONE_VARIANTS) return [{ kind: "rclone", name: name as RcloneVariant }];
    throw new UsageError(
      `--tools: unknown tool ${name}; expected ${[...ours.map((v) => v.name), ...Object.keys(RCLONE_VARIANTS)].join(", ")}${ours.length > 1 ? " or ours" : ""}`,
    );
  });
  return picked.filter((t, i) => picked.findIndex((u) => u.name === t.name) === i);
}

function datasetSizes(a: Record<string, string | boolean | string[] | undefined>): DatasetSizes {
  const base = a["issue-sizes"] === true ? ISSUE_SIZES : QUICK_SIZES;
  const size = (flag: string, key: keyof DatasetSizes) =>
    a[flag] === undefined ? base[key] : num(flag, a[flag] as string, 0);
  return {
    largeMiB: size("large-mib", "largeMiB"),
    mediumCount: size("medium-count", "mediumCount"),
    mediumMiB: size("medium-mib", "mediumMiB"),
    mixedSmallCount: size("mixed-small-count", "mixedSmallCount"),
    smallCount: size("small-count", "smallCount"),
    smallKiB: size("small-kib", "smallKiB"),
  };
}

/** `argv` parsed by `options`; node's own parse errors become a {@link UsageError}. */
export function readArgs<const O extends NonNullable<ParseArgsConfig["options"]>>(
  argv: readonly string[],
  options: O,
) {
  try {
    return parseArgs({ args: [...argv], options }).values;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), { cause: err });
  }
}

/** Parses and checks `argv` (without node and the script). */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const a = readArgs(argv, OPTIONS);
  const datasets = a.datasets.split(",").map((d) => {
    if (!DATASETS.includes(d as LongHaulDatasetName)) {
      throw new UsageError(`--datasets: unknown dataset ${d}; expected ${DATASETS.join(", ")}`);
    }
    return d as LongHaulDatasetName;
  });
  return {
    shape: {
      rttMs: num("rtt-ms", a["rtt-ms"], 0),
      perConnectionBytesPerSec: num("per-connection-mbps", a["per-connection-mbps"], 0.001) * MB,
      totalBytesPerSec:
        a["total-mbps"] === undefined ? undefined : num("total-mbps", a["total-mbps"], 0.001) * MB,
    },
    noLink: a["no-link"],
    sizes: datasetSizes(a),
    datasets,
    tools: selectTools(a.tools, oursVariants(a.variant)),
    runs: num("runs", a.runs, 1),
    workers: num("workers", a.workers, 1),
    timeoutSec: num("timeout-sec", a["timeout-sec"], 10),
    keep: a.keep,
  };
}
