/**
 * The two tools of the listing benchmark: how each is started, and whether what each printed
 * is exactly the scripted difference (a run that finds anything else is a failure).
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LOCAL_INI, ROOT } from "../../test/support/local-stack.js";
import { BENCH_DIR, RCLONE_CONF } from "../copy/measure.js";
import type { ListingDataset } from "./dataset.js";

export const TOOLS = ["ours", "rclone", "rclone-fast-list"] as const;
export type Tool = (typeof TOOLS)[number];

/** The jobsender as the CDK stack deploys it: one esbuild bundle, no tsx at start-up. */
export const JOBSENDER_BUNDLE = join(BENCH_DIR, "jobsender.mjs");
/**
 * Its own queue, so tests using config/local.ini's queue never see this benchmark (a dry run
 * only asks for the queue's URL; it neither reads its depth nor sends).
 */
export const QUEUE = "s3_migration_bench_listing";
/** rclone's default `--checkers`, and the jobsender's per-side listing concurrency. */
export const CHECKERS = 8;

/** Bundles packages/jobsender/src/main.ts with infra's `bundleApps` options (infra/lib/bundle-apps.ts). */
export function bundleJobsender(): void {
  execFileSync(
    join(ROOT, "node_modules", ".bin", "esbuild"),
    [
      join(ROOT, "packages", "jobsender", "src", "main.ts"),
      "--bundle",
      "--platform=node",
      "--target=node20",
      "--format=esm",
      "--log-level=warning",
      `--outfile=${JOBSENDER_BUNDLE}`,
      '--banner:js=import { createRequire as __s3migCreateRequire } from "node:module"; const require = __s3migCreateRequire(import.meta.url);',
    ],
    { stdio: ["ignore", 2, 2] },
  );
}

/**
 * Writes `.local/bench/listing-<N>.ini`: config/local.ini with the bucket map pointing at the
 * benchmark buckets, the credentials file found from `.local/bench/`, the benchmark's queue and
 * `JobsenderCompare = size` (the default, stated so the comparison with `--size-only` is explicit).
 */
export function writeJobsenderConfig(objects: number, src: string, dst: string): string {
  const map = `listing-buckets-${objects}.json`;
  writeFileSync(
    join(BENCH_DIR, map),
    `${JSON.stringify([{ src_bucket: src, src_prefix: "", des_bucket: dst, des_prefix: "" }])}\n`,
  );
  let ini = readFileSync(LOCAL_INI, "utf8");
  for (const [key, value] of [
    ["ssm_parameter_bucket", `file:${map}`],
    ["ssm_parameter_credentials", "file:../credentials.json"],
    ["table_queue_name", QUEUE],
  ] as const) {
    const line = new RegExp(`^${key} = .*$`, "m");
    if (!line.test(ini)) throw new Error(`${LOCAL_INI} has no "${key} = " line to replace`);
    ini = ini.replace(line, `${key} = ${value}`);
  }
  const path = join(BENCH_DIR, `listing-${objects}.ini`);
  writeFileSync(path, `${ini}\n[Benchmark]\nJobsenderCompare = size\n`);
  return path;
}

/** Where rclone writes its `--combined` report. */
export const RCLONE_REPORT = join(BENCH_DIR, "listing-rclone-combined.txt");

/** The command line of each tool. */
export function commands(ini: string, src: string, dst: string): Record<Tool, string[]> {
  const rclone = [
    "rclone",
    "check",
    `global:${src}`,
    `china:${dst}`,
    "--config",
    RCLONE_CONF,
    "--size-only",
    "--checkers",
    String(CHECKERS),
    "--combined",
    RCLONE_REPORT,
  ];
  return {
    ours: [process.execPath, JOBSENDER_BUNDLE, "--dry-run", "--config", ini],
    rclone,
    "rclone-fast-list": [...rclone, "--fast-list"],
  };
}

/** Problems with the jobsender's dry-run jobs (one JSON message per stdout line). */
export function checkOurs(stdout: string, d: ListingDataset, src: string, dst: string): string[] {
  const problems: string[] = [];
  const keys: string[] = [];
  for (const line of stdout.split("\n")) {
    if (line === "") continue;
    const job = JSON.parse(line) as Record<string, unknown>;
    const key = String(job.Src_key);
    keys.push(key);
    if (job.Src_bucket !== src || job.Des_bucket !== dst || job.Des_key !== key) {
      problems.push(`job with wrong buckets or key: ${line}`);
    } else if (job.Size !== d.source.get(key)) {
      problems.push(`job ${key}: Size ${job.Size}, source size ${d.source.get(key)}`);
    }
  }
  const want = new Set([...d.missing, ...d.sizeDiffers]);
  return [...problems.slice(0, 5), ...compareSets("jobs", keys, want)];
}

/**
 * Problems with rclone's `--combined` report: `=` equal, `+` only in the source (missing on the
 * destination), `-` only in the destination, `*` in both but different, `!` an error reading it.
 */
export function checkRclone(report: string, d: ListingDataset): string[] {
  const byMark = new Map<string, string[]>();
  for (const line of report.split("\n")) {
    if (line === "") continue;
    const mark = line.slice(0, 1);
    const paths = byMark.get(mark) ?? [];
    paths.push(line.slice(2));
    byMark.set(mark, paths);
  }
  const equal = d.objects - d.missing.size - d.sizeDiffers.size;
  const problems = [
    ...compareSets("missing on destination (+)", byMark.get("+") ?? [], d.missing),
    ...compareSets("differ (*)", byMark.get("*") ?? [], d.sizeDiffers),
    ...compareSets("missing on source (-)", byMark.get("-") ?? [], d.extra),
  ];
  const equalSeen = byMark.get("=")?.length ?? 0;
  if (equalSeen !== equal) problems.push(`equal (=): ${equalSeen}, expected ${equal}`);
  const errors = byMark.get("!") ?? [];
  if (errors.length > 0) problems.push(`errors (!): ${errors.length}, e.g. ${errors[0]}`);
  return problems;
}

/** "label: N, expected M; unexpected …; not found …", or nothing when the sets are equal. */
function compareSets(label: string, got: readonly string[], want: ReadonlySet<string>): string[] {
  const seen = new Set(got);
  const unexpected = [...seen].filter((k) => !want.has(k));
  const absent = [...want].filter((k) => !seen.has(k));
  const duplicates = got.length - seen.size;
  if (unexpected.length + absent.length + duplicates === 0) return [];
  return [
    `${label}: ${got.length}, expected ${want.size} (${duplicates} duplicates; ` +
      `unexpected ${JSON.stringify(unexpected.slice(0, 3))}; not found ${JSON.stringify(absent.slice(0, 3))})`,
  ];
}
