import type { MigrationSettings, ResolvedSettings } from "./migration-settings.js";

/**
 * How the worker runs:
 * - `fleet`: the Spot fleet (EC2 Auto Scaling) consumes the job queue (the default).
 * - `lambda`: a Lambda function consumes it through an SQS event source mapping; no EC2 fleet.
 * - `hybrid`: both consume the job queue (the Lambda takes bursts, e.g. the event path's
 *   ObjectCreated messages, while the fleet scales on the backlog).
 */
export type WorkerMode = "fleet" | "lambda" | "hybrid";
/** How the jobsender runs: `host` (an instance with a systemd timer) or `lambda` (EventBridge). */
export type JobsenderMode = "host" | "lambda";

export const WORKER_MODES: readonly WorkerMode[] = ["fleet", "lambda", "hybrid"];
export const JOBSENDER_MODES: readonly JobsenderMode[] = ["host", "lambda"];

/**
 * The serverless settings (issue 17), part of {@link MigrationSettings}. How they size together
 * (see infra/README.md "Serverless modes"):
 *
 * - The worker function stops its copies at its remaining time minus a margin (10 s,
 *   `S3MIG_LAMBDA_MARGIN_MS`), so it returns before `workerLambdaTimeoutSeconds`; an
 *   unfinished object comes back and resumes from the parts already uploaded.
 * - The job queue's visibility timeout is at least 6 × the function timeout plus the batching
 *   window (AWS's advice for SQS event sources): {@link requiredVisibilitySeconds}. Left unset,
 *   `visibilityTimeoutSeconds` is raised to it; set lower, the synth is refused.
 * - The event source mapping's maximum concurrency equals the reserved concurrency, so the
 *   poller never invokes more copies than may run: no throttled batch (a throttled message
 *   returns to the queue and counts toward `maxReceiveCount`).
 * - The worker's memory budget for part buffers is 60 % of `workerLambdaMemoryMiB`.
 */
export interface ServerlessSettings {
  /** `fleet`, `lambda` or `hybrid` (see {@link WorkerMode}). @default "fleet" */
  readonly workerMode?: WorkerMode;
  /** `host` or `lambda` (see {@link JobsenderMode}). @default "host" */
  readonly jobsenderMode?: JobsenderMode;
  /** EventBridge `rate()`/`cron()` expression of the Lambda jobsender (UTC). @default "rate(1 hour)" */
  readonly jobsenderScheduleExpression?: string;
  /** Worker function memory, MiB (512–10,240; CPU grows with it: 1,769 MiB is one vCPU). @default 3008 */
  readonly workerLambdaMemoryMiB?: number;
  /** Worker function timeout, seconds (60–900). @default 900 */
  readonly workerLambdaTimeoutSeconds?: number;
  /** Messages per invocation (1–10,000; above 10 needs a batching window). @default 10 */
  readonly workerLambdaBatchSize?: number;
  /** Seconds the event source gathers a batch (0–300). @default 0 */
  readonly workerLambdaMaxBatchingWindowSeconds?: number;
  /** Reserved concurrency of the worker function, also the event source's maximum (2–1,000). @default 10 */
  readonly workerLambdaReservedConcurrency?: number;
  /** Jobsender function memory, MiB (256–10,240). @default 2048 */
  readonly jobsenderLambdaMemoryMiB?: number;
  /** Jobsender function timeout, seconds (60–900). @default 900 */
  readonly jobsenderLambdaTimeoutSeconds?: number;
}

export const SERVERLESS_DEFAULTS = {
  workerMode: "fleet",
  jobsenderMode: "host",
  jobsenderScheduleExpression: "rate(1 hour)",
  workerLambdaMemoryMiB: 3008,
  workerLambdaTimeoutSeconds: 900,
  workerLambdaBatchSize: 10,
  workerLambdaMaxBatchingWindowSeconds: 0,
  workerLambdaReservedConcurrency: 10,
  jobsenderLambdaMemoryMiB: 2048,
  jobsenderLambdaTimeoutSeconds: 900,
} as const satisfies Required<ServerlessSettings>;

/** How `-c key=value` text of each serverless setting is read (see app-config.ts). */
export const SERVERLESS_KINDS = {
  workerMode: "string",
  jobsenderMode: "string",
  jobsenderScheduleExpression: "string",
  workerLambdaMemoryMiB: "int",
  workerLambdaTimeoutSeconds: "int",
  workerLambdaBatchSize: "int",
  workerLambdaMaxBatchingWindowSeconds: "int",
  workerLambdaReservedConcurrency: "int",
  jobsenderLambdaMemoryMiB: "int",
  jobsenderLambdaTimeoutSeconds: "int",
} as const satisfies Record<keyof ServerlessSettings, "string" | "int">;

/** Settings that only mean something with a worker function (`workerMode` lambda or hybrid). */
export const WORKER_LAMBDA_KEYS = [
  "workerLambdaMemoryMiB",
  "workerLambdaTimeoutSeconds",
  "workerLambdaBatchSize",
  "workerLambdaMaxBatchingWindowSeconds",
  "workerLambdaReservedConcurrency",
] as const;
/** Settings that only mean something with `jobsenderMode` lambda. */
export const JOBSENDER_LAMBDA_KEYS = [
  "jobsenderScheduleExpression",
  "jobsenderLambdaMemoryMiB",
  "jobsenderLambdaTimeoutSeconds",
] as const;
/** Settings of the jobsender host, refused with `jobsenderMode` lambda. */
export const JOBSENDER_HOST_KEYS = ["jobsenderSchedule", "jobsenderInstanceType"] as const;

/** AWS's advice for an SQS event source: visibility timeout ≥ 6 × the function timeout. */
export const VISIBILITY_PER_FUNCTION_TIMEOUT = 6;

type Sizing = Pick<
  ResolvedSettings,
  "workerMode" | "workerLambdaTimeoutSeconds" | "workerLambdaMaxBatchingWindowSeconds"
>;

/** True when a worker function consumes the job queue (`lambda` or `hybrid`). */
export function hasWorkerFunction(s: Pick<ResolvedSettings, "workerMode">): boolean {
  return s.workerMode === "lambda" || s.workerMode === "hybrid";
}

/**
 * The least visibility timeout of the job queue for this worker mode: 6 × the function timeout
 * plus the batching window (a message is invisible while it waits in a batch being gathered),
 * or 0 with no worker function (the fleet's own bound, 60 s, applies).
 */
export function requiredVisibilitySeconds(s: Sizing): number {
  if (!hasWorkerFunction(s)) return 0;
  return (
    VISIBILITY_PER_FUNCTION_TIMEOUT * s.workerLambdaTimeoutSeconds +
    s.workerLambdaMaxBatchingWindowSeconds
  );
}

/**
 * `s` with the visibility timeout raised to {@link requiredVisibilitySeconds} when the operator
 * did not set one (`input.visibilityTimeoutSeconds` unset); a value set by hand is kept, and
 * refused by the checks when it is too low.
 */
export function withFunctionVisibility<T extends Sizing & { visibilityTimeoutSeconds: number }>(
  s: T,
  input: MigrationSettings,
): T {
  if (input.visibilityTimeoutSeconds !== undefined) return s;
  const required = requiredVisibilitySeconds(s);
  // A bad timeout or window is reported by the checks; keep the default then.
  if (!Number.isInteger(required) || required > 43_200) return s;
  return { ...s, visibilityTimeoutSeconds: Math.max(s.visibilityTimeoutSeconds, required) };
}
