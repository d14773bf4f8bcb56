/**
 * The pure parts of the scheduled Lambda jobsender: where its config is, what the event may ask
 * for, its deadline, and what an invocation answers.
 */
import { join } from "node:path";
import { ConfigError, MigrationError } from "@s3-migration/common";
import type { RunOptions } from "../run-jobsender.js";
import { EXIT, type RunSummary } from "../run-summary.js";

/**
 * Time kept back at the end of an invocation: the listing is cut, the batched jobs are sent (at
 * most 17 SendMessageBatch calls waiting, 8 at a time, each retried with backoff) and the
 * summary is logged before Lambda stops the function.
 */
export const DEFAULT_MARGIN_MS = 30_000;

/** The part of Lambda's context the handler reads. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
  readonly awsRequestId?: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The ini of the function: `S3MIG_CONFIG_FILE`, else `s3_migration_config.ini` beside the handler. */
export function lambdaConfigPath(env: Env): string {
  return env.S3MIG_CONFIG_FILE ?? join(env.LAMBDA_TASK_ROOT ?? ".", "s3_migration_config.ini");
}

/** `S3MIG_LAMBDA_MARGIN_MS`, else {@link DEFAULT_MARGIN_MS}; a bad value is a ConfigError. */
export function lambdaMarginMs(env: Env): number {
  const text = env.S3MIG_LAMBDA_MARGIN_MS;
  if (text === undefined || text === "") return DEFAULT_MARGIN_MS;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    throw new ConfigError("bad Lambda setting", [
      { key: "S3MIG_LAMBDA_MARGIN_MS", value: text, expected: "an integer ≥ 0 (milliseconds)" },
    ]);
  }
  return n;
}

/**
 * The run options an event asks for. A scheduled event (EventBridge's, or a Scheduler target's
 * input) may carry `dryRun` and `force` booleans, as the CLI's flags; every other field is
 * ignored, and no event at all means neither. Throws a TypeError for a field of the wrong
 * type, so a misconfigured target fails loudly instead of running with defaults.
 */
export function readScheduleEvent(event: unknown): RunOptions {
  if (event === undefined || event === null) return { dryRun: false, force: false };
  if (typeof event !== "object" || Array.isArray(event)) {
    throw new TypeError(`the event must be a JSON object; got ${JSON.stringify(event)}`);
  }
  const flag = (name: "dryRun" | "force"): boolean => {
    const value = (event as Record<string, unknown>)[name];
    if (value === undefined) return false;
    if (typeof value !== "boolean") {
      throw new TypeError(`event.${name}: got ${JSON.stringify(value)}; expected true or false`);
    }
    return value;
  };
  return { dryRun: flag("dryRun"), force: flag("force") };
}

/** A deadline: its signal aborts `remaining − margin` ms from now (at once if that is ≤ 0). */
export interface Deadline {
  readonly signal: AbortSignal;
  /** The time the run was given. */
  readonly timeLeftMs: number;
  /** Cancels the timer (the run ended first). */
  clear(): void;
}

/** Starts the deadline of an invocation with `remainingMs` left. */
export function startDeadline(remainingMs: number, marginMs: number): Deadline {
  const controller = new AbortController();
  const timeLeftMs = Math.max(0, remainingMs - marginMs);
  const timer = setTimeout(
    () => controller.abort(new DOMException("the invocation's time ran out", "TimeoutError")),
    timeLeftMs,
  );
  return { signal: controller.signal, timeLeftMs, clear: () => clearTimeout(timer) };
}

/** An invocation Lambda must record as failed; carries the run's summary. */
export class JobsenderLambdaError extends MigrationError {
  override name: string = "JobsenderLambdaError";
  readonly summary: RunSummary;

  constructor(message: string, summary: RunSummary) {
    super(message);
    this.summary = summary;
  }
}

/** A run that failed (exit 1) or had bad configuration (exit 2). */
export class JobsenderRunError extends JobsenderLambdaError {
  override name = "JobsenderRunError" as const;

  constructor(summary: RunSummary) {
    super(
      `jobsender run failed with exit code ${summary.exitCode} after sending ${summary.jobsSent} jobs: ${summary.error ?? "unknown error"}`,
      summary,
    );
  }
}

/**
 * A run the deadline stopped before it sent anything. With the queue empty and everything
 * before the cut already at the destination, the next run lists the same objects, takes as
 * long and stops at about the same place: the schedule makes no progress any more. The bucket
 * map's listing does not fit in one invocation (see the package README).
 */
export class JobsenderStalledError extends JobsenderLambdaError {
  override name = "JobsenderStalledError" as const;

  constructor(summary: RunSummary) {
    super(
      `jobsender stopped at the deadline without sending a job, after listing ${summary.sourceObjects} source objects ` +
        `(${summary.mappingsDone} of ${summary.mappingsTotal} bucket map entries) in ${(summary.durationMs / 1000).toFixed(0)} s: ` +
        "the next runs will stop at about the same place. The bucket map does not fit in one invocation; run the jobsender on a host",
      summary,
    );
  }
}

/**
 * What the invocation answers: the summary of a run that did its work (exit 0, stopped at the
 * deadline or not) or was skipped because the queue is busy (exit 3, the normal answer while
 * the workers drain an earlier run). A failed run throws {@link JobsenderRunError}, and a run
 * stopped before sending anything {@link JobsenderStalledError}, so they count in the
 * function's `Errors` metric and its alarm.
 */
export function settleSummary(summary: RunSummary): RunSummary {
  if (summary.exitCode !== EXIT.ok && summary.exitCode !== EXIT.busy) {
    throw new JobsenderRunError(summary);
  }
  if (summary.stoppedAtDeadline && summary.jobsSent === 0 && !summary.dryRun) {
    throw new JobsenderStalledError(summary);
  }
  return summary;
}
