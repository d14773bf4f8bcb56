import type { Logger } from "@s3-migration/common";
import type { PlanStats } from "./plan-jobs.js";

/** The jobsender's exit codes (see `main.ts`). */
export const EXIT = { ok: 0, failed: 1, config: 2, busy: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The outcome of one run; counts cover what was done before a stop or a failure. */
export interface RunSummary {
  readonly exitCode: ExitCode;
  readonly sourceObjects: number;
  readonly destinationObjects: number;
  readonly jobs: number;
  readonly jobsSent: number;
  readonly bytesToMove: number;
  readonly ignored: number;
  readonly versionChanged: number;
  /** Bucket-map entries listed to their end, and how many the map has (0 if never read). */
  readonly mappingsDone: number;
  readonly mappingsTotal: number;
  /** True when the deadline stopped the run before every entry was listed to its end. */
  readonly stoppedAtDeadline: boolean;
  readonly durationMs: number;
  readonly dryRun: boolean;
  /** The failure's message when `exitCode` is 1 or 2. */
  readonly error?: string | undefined;
}

/** What a run accumulates while it goes, for its summary. */
export interface RunState {
  readonly started: number;
  /** One per entry listed, in whole or (the last, when stopped) in part. */
  readonly totals: PlanStats[];
  /** The sender once there is one (never in a dry run). */
  sender: { readonly sent: number } | undefined;
  mappingsTotal: number;
  mappingsDone: number;
  stopped: boolean;
}

/** The state of a run starting now. */
export function newRunState(now = Date.now()): RunState {
  return {
    started: now,
    totals: [],
    sender: undefined,
    mappingsTotal: 0,
    mappingsDone: 0,
    stopped: false,
  };
}

/** The run's totals over the entries it listed, in part or whole. */
export function summarize(
  state: RunState,
  exitCode: ExitCode,
  dryRun: boolean,
  now = Date.now(),
): RunSummary {
  const sum = (k: keyof PlanStats) => state.totals.reduce((n, s) => n + s[k], 0);
  return {
    exitCode,
    sourceObjects: sum("sourceObjects"),
    destinationObjects: sum("destinationObjects"),
    jobs: sum("jobs"),
    jobsSent: state.sender?.sent ?? 0,
    bytesToMove: sum("bytes"),
    ignored: sum("ignored"),
    versionChanged: sum("versionChanged"),
    mappingsDone: state.mappingsDone,
    mappingsTotal: state.mappingsTotal,
    stoppedAtDeadline: state.stopped,
    durationMs: now - state.started,
    dryRun,
  };
}

/** The one-line summary a finished run prints on stderr. */
export function summaryLine(summary: RunSummary): string {
  const { dryRun } = summary;
  const stop = summary.stoppedAtDeadline
    ? `; stopped at the deadline after ${summary.mappingsDone} of ${summary.mappingsTotal} bucket map entries`
    : "";
  return (
    `jobsender: listed ${summary.sourceObjects} source / ${summary.destinationObjects} destination objects; ` +
    `${dryRun ? "would send" : "sent"} ${dryRun ? summary.jobs : summary.jobsSent} jobs ` +
    `(${(summary.bytesToMove / 1048576).toFixed(1)} MiB to move), ignored ${summary.ignored}, ` +
    `in ${(summary.durationMs / 1000).toFixed(1)} s${stop}\n`
  );
}

/** Logs the run's totals and prints the one-line summary. */
export function reportTotals(
  summary: RunSummary,
  logger: Logger,
  stderr: NodeJS.WritableStream,
): void {
  const { error: _error, exitCode: _exitCode, ...fields } = summary;
  logger.info("jobsender finished", fields);
  stderr.write(summaryLine(summary));
}
