/**
 * The ini a variant of ours runs with: a given ini (by default config/s3_migration_config.ini,
 * as shipped) with what config/local.ini changes for the local stack and nothing else.
 * Queue, table, bucket map and credentials come per run as `S3MIG_` variables (pipeline.ts).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../test/support/local-stack.js";
import { BENCH_DIR } from "./processes.js";

/** The shipped configuration, the default variant's ini. */
export const SHIPPED_INI = join(ROOT, "config", "s3_migration_config.ini");

/** What config/local.ini changes for the local stack: path-style S3, short polls, no IMDS. */
export const LOCAL_STACK_KEYS: Readonly<Record<string, string>> = {
  S3ForcePathStyle: "True",
  PollWaitSeconds: "2",
  InstanceMetadataEndpoint: "none",
};

/**
 * `text` with {@link LOCAL_STACK_KEYS} at the top of its `[Partitions]` section (appended when
 * it has none); lines that already set one of these keys are dropped, so each is set once.
 */
export function withLocalStackKeys(text: string): string {
  const names = Object.keys(LOCAL_STACK_KEYS).join("|");
  const cleaned = text.replace(new RegExp(`^[ \\t]*(?:${names})[ \\t]*=.*(?:\\r?\\n|$)`, "gm"), "");
  const lines = Object.entries(LOCAL_STACK_KEYS).map(([k, v]) => `${k} = ${v}`);
  if (/^\[Partitions\][ \t]*$/m.test(cleaned)) {
    return cleaned.replace(/^\[Partitions\][ \t]*$/m, `[Partitions]\n${lines.join("\n")}`);
  }
  return `${cleaned.replace(/\n*$/, "\n")}\n[Partitions]\n${lines.join("\n")}\n`;
}

/** Writes `.local/bench/long-haul/ours-<label>.ini` from `source`; returns its path. */
export function writeOursIni(label: string, source: string): string {
  const path = join(BENCH_DIR, `ours-${label}.ini`);
  writeFileSync(path, withLocalStackKeys(readFileSync(source, "utf8")));
  return path;
}
