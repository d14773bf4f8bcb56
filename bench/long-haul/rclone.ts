/**
 * rclone through the same link: remote `global` straight to :7480, remote `china` at the link
 * (or, with `--no-link`, at the china tenant; keys as bench/copy's `writeRcloneConfig`,
 * `provider = Ceph`). Three variants: rclone's defaults (`--transfers 4 --checkers 8
 * --s3-upload-concurrency 4 --s3-chunk-size 5M --s3-upload-cutoff 200M`), tuned for the link as
 * issue 15 compares (`--transfers 16 --s3-upload-concurrency 16`), and tuned with our part
 * size (`--s3-upload-cutoff 5M --s3-chunk-size 5M`: objects over 5 MiB go in 5 MiB parts, as
 * ours cuts them, instead of one PUT up to 200 MiB).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, readStackEnv } from "../../test/support/local-stack.js";
import { reapedChildrenCpuSeconds, watchPeakRss } from "./proc-stats.js";
import { BENCH_DIR, startCommand } from "./processes.js";

const TUNED = ["--transfers", "16", "--s3-upload-concurrency", "16"] as const;

/** Each variant's flags after `rclone copy global:<src> china:<dst> --config <conf>`. */
export const RCLONE_VARIANTS = {
  "rclone-defaults": [],
  "rclone-tuned": TUNED,
  "rclone-tuned-cutoff": [...TUNED, "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M"],
} as const;
export type RcloneVariant = keyof typeof RCLONE_VARIANTS;

const CONF = join(BENCH_DIR, "rclone.conf");

/** Writes the config with `china` at `chinaEndpoint` (the link, or the tenant); returns its path. */
export function writeRcloneConfig(chinaEndpoint: string): string {
  const env = readStackEnv();
  const cn = JSON.parse(readFileSync(join(ROOT, ".local", "credentials.json"), "utf8")) as Record<
    string,
    string
  >;
  const remote = (name: string, key?: string, secret?: string, region?: string, url?: string) =>
    `[${name}]\ntype = s3\nprovider = Ceph\nenv_auth = false\naccess_key_id = ${key}\n` +
    `secret_access_key = ${secret}\nregion = ${region}\nendpoint = ${url}\nno_check_bucket = true\n\n`;
  writeFileSync(
    CONF,
    remote(
      "global",
      env.AWS_ACCESS_KEY_ID,
      env.AWS_SECRET_ACCESS_KEY,
      env.AWS_REGION,
      env.AWS_ENDPOINT_URL_S3,
    ) + remote("china", cn.aws_access_key_id, cn.aws_secret_access_key, cn.region, chinaEndpoint),
    { mode: 0o600 },
  );
  return CONF;
}

/** What one `rclone copy` gave. */
export interface RcloneRun {
  /** Wall time of the process. */
  readonly seconds: number;
  /** Its last VmHWM read (polled every 100 ms while it runs), MiB; NaN when none was read. */
  readonly peakRssMiB: number;
  /** Its CPU time (user + system), its listing of both sides included. */
  readonly cpuSeconds: number;
}

/** One `rclone copy`; resolves with its wall seconds and peak RSS, or throws when it fails. */
export async function runRclone(
  variant: RcloneVariant,
  srcBucket: string,
  dstBucket: string,
): Promise<RcloneRun> {
  const argv = ["rclone", "copy", `global:${srcBucket}`, `china:${dstBucket}`, "--config", CONF];
  const started = performance.now();
  const cpuBefore = reapedChildrenCpuSeconds();
  // rclone refuses to start when AWS_CA_BUNDLE is set (bench/copy/measure.ts says the same).
  const p = startCommand([...argv, ...RCLONE_VARIANTS[variant]], {}, ["AWS_CA_BUNDLE"]);
  const rss = watchPeakRss(p.pid);
  const code = await p.exited;
  const seconds = (performance.now() - started) / 1000;
  const peakRssMiB = rss.stop() ?? Number.NaN;
  // Node reaps the child before it emits "exit", so its time is in cutime/cstime by now.
  const cpuSeconds = reapedChildrenCpuSeconds() - cpuBefore;
  if (code !== 0)
    throw new Error(`rclone (${variant}) exited with ${code}: ${p.stderr().slice(-2000)}`);
  return { seconds, peakRssMiB, cpuSeconds };
}
