/**
 * The jobsender (composition root): `pnpm jobsender --config <ini> [--dry-run] [--force]`.
 * Lists every bucket-map entry on both sides, diffs them in one streaming pass and sends one
 * message per object to copy (`run-jobsender.ts`, shared with the scheduled Lambda). Logs go to
 * stderr (JSON lines); with `--dry-run` the jobs go to stdout, one message per line, and
 * nothing is sent.
 *
 * Exit codes: 0 done (jobs sent, or nothing to send); 3 skipped: the queue still holds
 * messages of an earlier run (visible or in flight; `--force` sends anyway); 2 bad
 * configuration, bucket map or ignore list (nothing sent); 1 any other failure.
 */

import { parseArgs } from "node:util";
import { type Config, ConfigError, createLogger, loadConfig } from "@s3-migration/common";
import { EXIT, runJobsender } from "./run-jobsender.js";

function readArgs() {
  try {
    const { values } = parseArgs({
      options: {
        config: { type: "string" },
        "dry-run": { type: "boolean", default: false },
        force: { type: "boolean", default: false },
      },
    });
    if (values.config === undefined) throw new Error("--config is required");
    return { config: values.config, dryRun: values["dry-run"], force: values.force };
  } catch (err) {
    process.stderr.write(
      `jobsender: ${err instanceof Error ? err.message : String(err)}\nusage: pnpm jobsender --config <ini> [--dry-run] [--force]\n`,
    );
    process.exit(EXIT.config);
  }
}

async function main(): Promise<number> {
  const args = readArgs();
  let config: Config;
  try {
    config = loadConfig(args.config, process.env).config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`jobsender: ${err.message}\n`);
    return EXIT.config;
  }
  const logger = createLogger({
    service: "jobsender",
    level: config.logLevel,
    stream: process.stderr,
  });
  // No deadline on a host: the run lists every entry to its end.
  const summary = await runJobsender(
    config,
    { dryRun: args.dryRun, force: args.force },
    { logger },
  );
  return summary.exitCode;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `jobsender: unexpected error: ${err instanceof Error ? err.stack : String(err)}\n`,
    );
    process.exitCode = EXIT.failed;
  },
);
