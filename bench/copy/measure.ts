/**
 * Runs one copier process under GNU time (`/usr/bin/time -v`) and samples the CPU the S3
 * server (radosgw + its OSD) and the whole machine spent meanwhile.
 */
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, readStackEnv } from "../../test/support/local-stack.js";
import type { Tool } from "./report.js";

export const BENCH_DIR = join(ROOT, ".local", "bench");
export const RCLONE_CONF = join(BENCH_DIR, "rclone.conf");
/** Our copier bundled into one ES module, as the worker ships (infra's `bundleApps`). */
export const OURS_BUNDLE = join(BENCH_DIR, "copy-bucket.mjs");

/**
 * Bundles copy-bucket.ts with esbuild into {@link OURS_BUNDLE}, with the options infra uses for
 * `worker.mjs`: our copier then starts as the deployed worker does, without tsx compiling
 * TypeScript at start-up (measured: 0.2 s wall and 0.3 CPU-s less per run). The bundle sits two
 * folders below the repository root, like bench/copy, so its relative paths still resolve.
 */
export function bundleOurs(): void {
  execFileSync(
    join(ROOT, "node_modules", ".bin", "esbuild"),
    [
      join(ROOT, "bench", "copy", "copy-bucket.ts"),
      "--bundle",
      "--platform=node",
      "--target=node20",
      "--format=esm",
      "--log-level=warning",
      `--outfile=${OURS_BUNDLE}`,
      '--banner:js=import { createRequire as __s3migCreateRequire } from "node:module"; const require = __s3migCreateRequire(import.meta.url);',
    ],
    { stdio: ["ignore", 2, 2] },
  );
}

export interface Measured {
  readonly exitCode: number;
  readonly wallSeconds: number;
  readonly userSeconds: number;
  readonly systemSeconds: number;
  readonly peakRssMiB: number;
  /** radosgw + ceph-osd CPU seconds during the run. */
  readonly serverCpuSeconds: number;
  /** CPU seconds of the whole machine during the run (everything, other users included). */
  readonly machineCpuSeconds: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The rclone config: two S3 remotes, `global` (:7480) and `china` (:7481), with their keys;
 * both at `endpoint` instead when given (the benchmark over HTTPS).
 */
export function writeRcloneConfig(endpoint?: string): void {
  const env = readStackEnv();
  const cn = JSON.parse(readFileSync(join(ROOT, ".local", "credentials.json"), "utf8")) as Record<
    string,
    string
  >;
  const remote = (name: string, key?: string, secret?: string, region?: string, url?: string) =>
    [
      `[${name}]`,
      "type = s3",
      "provider = Ceph",
      "env_auth = false",
      `access_key_id = ${key}`,
      `secret_access_key = ${secret}`,
      `region = ${region}`,
      `endpoint = ${url}`,
      "no_check_bucket = true",
      "",
    ].join("\n");
  writeFileSync(
    RCLONE_CONF,
    remote(
      "global",
      env.AWS_ACCESS_KEY_ID,
      env.AWS_SECRET_ACCESS_KEY,
      env.AWS_REGION,
      endpoint ?? env.AWS_ENDPOINT_URL_S3,
    ) +
      remote(
        "china",
        cn.aws_access_key_id,
        cn.aws_secret_access_key,
        cn.region,
        endpoint ?? cn.endpoint,
      ),
    { mode: 0o600 },
  );
}

/**
 * Our copier's settings per benchmark variant, as copy-bucket.ts flags (ini keys overridden;
 * everything else from config/local.ini).
 *
 * - `parity`: rclone's flags translated: `--transfers 8` → MaxParallelFile 8,
 *   `--s3-upload-concurrency 8` → MaxThread 8, `--s3-chunk-size 8M` → ChunkSize 8, and rclone's
 *   default `--s3-upload-cutoff 200Mi` → ResumableThreshold 200. The ratios and targets use this.
 * - `defaults`: config/local.ini as it is (MaxParallelFile 4, MaxThread 8, ChunkSize 5,
 *   ResumableThreshold 5, MemoryBudgetMB 512).
 */
export const OURS_SETTINGS = {
  parity: [
    "--max-parallel-file",
    "8",
    "--max-thread",
    "8",
    "--chunk-size",
    "8",
    "--resumable-threshold",
    "200",
  ],
  defaults: [],
} as const;

/** The command lines of every tool for one bucket pair; `caFile` for HTTPS endpoints. */
export function commands(src: string, dst: string, caFile?: string): Record<Tool, string[]> {
  const ours = [process.execPath, OURS_BUNDLE, "--src", src, "--dst", dst];
  return {
    ours: [...ours, ...OURS_SETTINGS.parity],
    "ours-defaults": [...ours, ...OURS_SETTINGS.defaults],
    rclone: [
      "rclone",
      "copy",
      `global:${src}`,
      `china:${dst}`,
      "--config",
      RCLONE_CONF,
      "--transfers",
      "8",
      "--checkers",
      "16",
      "--s3-upload-concurrency",
      "8",
      "--s3-chunk-size",
      "8M",
      ...(caFile === undefined ? [] : ["--ca-cert", caFile]),
    ],
  };
}

/**
 * Runs `argv` under GNU time. `env`: extra variables for the child; `serverPids`: further
 * server processes whose CPU counts (the TLS radosgw).
 */
export async function measure(
  argv: readonly string[],
  extra: { env?: Record<string, string>; serverPids?: readonly number[] } = {},
): Promise<Measured> {
  const timeFile = join(BENCH_DIR, "time.txt");
  const server = [...serverPids(), ...(extra.serverPids ?? [])];
  const [server0, machine0] = [server.map(procCpu), machineCpu()];
  const started = performance.now();
  const child = spawn("/usr/bin/time", ["-v", "-o", timeFile, ...argv], {
    cwd: ROOT,
    env: { ...childEnv(), ...extra.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d));
  child.stderr.on("data", (d: Buffer) => (stderr += d));
  const exitCode = await new Promise<number>((r) => child.on("close", (code) => r(code ?? 1)));
  const wallSeconds = (performance.now() - started) / 1000;
  const serverCpuSeconds = server.reduce((n, pid, i) => n + procCpu(pid) - (server0[i] ?? 0), 0);
  const machineCpuSeconds = machineCpu() - machine0;
  const t = readFileSync(timeFile, "utf8");
  const field = (label: string) => Number(new RegExp(`${label}: ([\\d.]+)`).exec(t)?.[1] ?? NaN);
  return {
    exitCode,
    wallSeconds,
    userSeconds: field("User time \\(seconds\\)"),
    systemSeconds: field("System time \\(seconds\\)"),
    peakRssMiB: field("Maximum resident set size \\(kbytes\\)") / 1024,
    serverCpuSeconds,
    machineCpuSeconds,
    stdout,
    stderr,
  };
}

/** rclone refuses to start when AWS_CA_BUNDLE is set (HTTPS runs pass `--ca-cert` instead). */
function childEnv(): NodeJS.ProcessEnv {
  const { AWS_CA_BUNDLE: _, ...env } = process.env;
  return { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
}

const TICKS = 100; // USER_HZ on Linux

function serverPids(): number[] {
  return ["rgw", "osd"].map((n) =>
    Number(readFileSync(join(ROOT, ".local", "run", `${n}.pid`), "utf8").trim()),
  );
}

/** utime + stime of one process, in seconds. */
function procCpu(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** Busy CPU seconds of the machine (all but idle and iowait). */
function machineCpu(): number {
  const [, ...f] = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/);
  const n = f.map(Number);
  const busy = n.reduce((a, b) => a + b, 0) - (n[3] ?? 0) - (n[4] ?? 0);
  return busy / TICKS;
}
