/**
 * `pnpm lambda:jobsender --config <ini> [--remaining-ms N] [--margin-ms N] [--dry-run] [--force]`:
 * runs the scheduled Lambda jobsender's handler once, in this process, against the services the
 * ini names (the local stack, or AWS), as the schedule would invoke it, and prints its summary
 * as the last line of stdout (a dry run's jobs come before it). `--remaining-ms` is the time
 * the invocation has (default 900000, Lambda's 15 minutes); `--margin-ms` overrides
 * `S3MIG_LAMBDA_MARGIN_MS` (default 30000). `--dry-run` and `--force` go in the event.
 *
 * Exit codes: the run's (0 done, stopped at the deadline or not; 3 the queue is still busy;
 * 2 bad arguments or configuration; 1 any other failure, or a run stopped at the deadline
 * before it sent anything, which the Lambda reports as a `JobsenderStalledError`).
 */
import { parseArgs } from "node:util";
import { ConfigError } from "@s3-migration/common";
import { EXIT } from "../run-summary.js";
import { JobsenderLambdaError, JobsenderStalledError, runScheduled } from "./handler.js";

const USAGE =
  "usage: pnpm lambda:jobsender --config <ini> [--remaining-ms N] [--margin-ms N] [--dry-run] [--force]";

class UsageError extends Error {}

function readArgs() {
  const { values } = parseArgs({
    options: {
      config: { type: "string" },
      "remaining-ms": { type: "string", default: "900000" },
      "margin-ms": { type: "string" },
      "dry-run": { type: "boolean", default: false },
      force: { type: "boolean", default: false },
    },
  });
  if (values.config === undefined) throw new UsageError("--config is required");
  const remainingMs = Number(values["remaining-ms"]);
  if (!Number.isInteger(remainingMs) || remainingMs < 0) {
    throw new UsageError(`--remaining-ms: got ${values["remaining-ms"]}; expected an integer ≥ 0`);
  }
  return {
    config: values.config,
    remainingMs,
    marginMs: values["margin-ms"],
    event: { dryRun: values["dry-run"], force: values.force },
  };
}

async function main(): Promise<number> {
  let args: ReturnType<typeof readArgs>;
  try {
    args = readArgs();
  } catch (err) {
    process.stderr.write(`lambda:jobsender: ${(err as Error).message}\n${USAGE}\n`);
    return EXIT.config;
  }
  const env: Record<string, string | undefined> = {
    ...process.env,
    S3MIG_CONFIG_FILE: args.config,
  };
  if (args.marginMs !== undefined) env.S3MIG_LAMBDA_MARGIN_MS = args.marginMs;
  const started = Date.now();
  const context = { getRemainingTimeInMillis: () => args.remainingMs - (Date.now() - started) };
  try {
    const summary = await runScheduled(args.event, context, env);
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return summary.exitCode;
  } catch (err) {
    if (err instanceof JobsenderLambdaError) {
      process.stdout.write(`${JSON.stringify(err.summary)}\n`);
      if (!(err instanceof JobsenderStalledError)) return err.summary.exitCode;
      process.stderr.write(`lambda:jobsender: ${err.message}\n`);
      return EXIT.failed;
    }
    process.stderr.write(`lambda:jobsender: ${(err as Error).message}\n`);
    return err instanceof ConfigError ? EXIT.config : EXIT.failed;
  }
}

process.exitCode = await main();
