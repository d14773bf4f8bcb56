/**
 * run-giant.ts's command line, checked: every problem is a {@link UsageError} (the script exits
 * 2 with its message). The link flags mean what they mean for run-long-haul.ts.
 */
import { num, readArgs, UsageError } from "./cli-options.js";
import { MB } from "./link.js";
import type { LinkShape } from "./physical-limit.js";

/** What every worker process gets, whatever the number of processes (the ini's keys, MB = MiB). */
export interface PerWorkerLimits {
  /** `MaxConnections`: requests carrying bytes in flight per worker process. */
  readonly maxConnections: number;
  /** `ChunkSize`, MiB: the part size. */
  readonly chunkMiB: number;
  /** `SplitThreshold`, MiB: objects above it are split (0 = never). */
  readonly splitThresholdMiB: number;
  /** `SplitSliceSize`, MiB. */
  readonly splitSliceMiB: number;
  /** `MaxParallelFile`: messages in work per worker process; unset (as shipped) when absent. */
  readonly maxParallelFile?: number;
}

/** Everything a giant-object session is asked to do. */
export interface GiantOptions {
  readonly shape: LinkShape;
  readonly noLink: boolean;
  /** Worker processes per run, each count measured `runs` times (`--workers 1,3`). */
  readonly workers: readonly number[];
  readonly runs: number;
  /** The one object's size, MiB. */
  readonly sizeMiB: number;
  readonly limits: PerWorkerLimits;
  readonly timeoutSec: number;
  /** Before each run, wait (up to 10 minutes) for the 1-minute load average to drop to this. */
  readonly maxLoad: number;
  /** Leave the source bucket. */
  readonly keep: boolean;
}

const OPTIONS = {
  "rtt-ms": { type: "string", default: "200" },
  "per-connection-mbps": { type: "string", default: "1" },
  "total-mbps": { type: "string" },
  "no-link": { type: "boolean", default: false },
  workers: { type: "string", default: "1,3" },
  runs: { type: "string", default: "3" },
  "size-mib": { type: "string", default: "240" },
  "max-connections": { type: "string", default: "8" },
  "chunk-mib": { type: "string", default: "5" },
  "split-threshold-mib": { type: "string", default: "100" },
  "slice-mib": { type: "string", default: "20" },
  "max-parallel-file": { type: "string" },
  "timeout-sec": { type: "string", default: "900" },
  "max-load": { type: "string", default: "1.5" },
  keep: { type: "boolean", default: false },
} as const;

/** Parses and checks `argv` (without node and the script). */
export function parseGiantOptions(argv: readonly string[]): GiantOptions {
  const a = readArgs(argv, OPTIONS);
  const workers = a.workers.split(",").map((w) => num("workers", w, 1, true));
  if (new Set(workers).size !== workers.length) {
    throw new UsageError(`--workers: ${a.workers} names a count twice`);
  }
  const limits: PerWorkerLimits = {
    maxConnections: num("max-connections", a["max-connections"], 1, true),
    chunkMiB: num("chunk-mib", a["chunk-mib"], 5, true),
    splitThresholdMiB: num("split-threshold-mib", a["split-threshold-mib"], 0, true),
    splitSliceMiB: num("slice-mib", a["slice-mib"], 5, true),
    ...(a["max-parallel-file"] === undefined
      ? {}
      : { maxParallelFile: num("max-parallel-file", a["max-parallel-file"], 1, true) }),
  };
  if (limits.splitSliceMiB < limits.chunkMiB) {
    throw new UsageError(
      `--slice-mib ${limits.splitSliceMiB}: at least --chunk-mib (${limits.chunkMiB})`,
    );
  }
  return {
    shape: {
      rttMs: num("rtt-ms", a["rtt-ms"], 0),
      perConnectionBytesPerSec: num("per-connection-mbps", a["per-connection-mbps"], 0.001) * MB,
      totalBytesPerSec:
        a["total-mbps"] === undefined ? undefined : num("total-mbps", a["total-mbps"], 0.001) * MB,
    },
    noLink: a["no-link"],
    workers,
    runs: num("runs", a.runs, 1, true),
    sizeMiB: num("size-mib", a["size-mib"], 1, true),
    limits,
    timeoutSec: num("timeout-sec", a["timeout-sec"], 10),
    maxLoad: num("max-load", a["max-load"], 0),
    keep: a.keep,
  };
}
