/**
 * The ini of the giant-object runs: config/s3_migration_config.ini as shipped, with the
 * per-worker limits of {@link PerWorkerLimits} (the same for every worker process, whatever
 * their number) in a section of their own, and the local stack's keys (ours-ini.ts).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PerWorkerLimits } from "./giant-options.js";
import { SHIPPED_INI, withLocalStackKeys } from "./ours-ini.js";
import { BENCH_DIR } from "./processes.js";

/** The ini keys of `limits`. */
export function limitKeys(limits: PerWorkerLimits): Record<string, string> {
  return {
    MaxConnections: String(limits.maxConnections),
    ChunkSize: String(limits.chunkMiB),
    SplitThreshold: String(limits.splitThresholdMiB),
    SplitSliceSize: String(limits.splitSliceMiB),
    ...(limits.maxParallelFile === undefined
      ? {}
      : { MaxParallelFile: String(limits.maxParallelFile) }),
  };
}

/**
 * `text` with `keys` in a `[GiantObjectBench]` section at its end; lines that already set one
 * of them (in any section) are dropped, since a key may appear only once in the file.
 */
export function withKeys(text: string, keys: Readonly<Record<string, string>>): string {
  const names = Object.keys(keys).join("|");
  const cleaned = text.replace(new RegExp(`^[ \\t]*(?:${names})[ \\t]*=.*(?:\\r?\\n|$)`, "gm"), "");
  const lines = Object.entries(keys).map(([k, v]) => `${k} = ${v}`);
  return `${cleaned.replace(/\n*$/, "\n")}\n[GiantObjectBench]\n${lines.join("\n")}\n`;
}

/** Writes `.local/bench/long-haul/ours-giant.ini`; returns its path. */
export function writeGiantIni(limits: PerWorkerLimits): string {
  const path = join(BENCH_DIR, "ours-giant.ini");
  const shipped = readFileSync(SHIPPED_INI, "utf8");
  writeFileSync(path, withLocalStackKeys(withKeys(shipped, limitKeys(limits))));
  return path;
}
