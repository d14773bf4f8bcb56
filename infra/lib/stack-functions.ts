import { existsSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "@s3-migration/common";
import { Annotations, Duration, type RemovalPolicy } from "aws-cdk-lib";
import type * as logs from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import type { WatchedFunction } from "./constructs/function-monitoring.js";
import { JobsenderFunction } from "./constructs/jobsender-function.js";
import { lambdaProgramBundled } from "./constructs/lambda-code.js";
import type { ProgramLogs } from "./constructs/migration-monitoring.js";
import { WorkerFunction } from "./constructs/worker-function.js";
import type { ResolvedSettings } from "./migration-settings.js";
import type { MigrationStack } from "./migration-stack.js";
import { type GrantTargets, grantJobsender, grantWorker } from "./role-grants.js";
import { hasWorkerFunction } from "./serverless-settings.js";

/** What the stack gives the functions (its deploy bucket is never granted to them). */
export interface FunctionContext extends GrantTargets {
  /** The generated ini, shipped in each function's code asset. */
  readonly appIni: string;
  readonly bundleDir: string;
  readonly logRemovalPolicy: RemovalPolicy;
}

/**
 * The worker function, with `workerMode` lambda or hybrid (else undefined), granted what the
 * fleet's instance role is (less the deploy bucket). With `lambda` it also carries the "batch
 * finished" alarm the fleet has otherwise.
 *
 * @throws ConfigError when the bundle has no `worker-lambda.mjs`.
 */
export function newWorkerFunction(
  scope: Construct,
  c: FunctionContext,
): WorkerFunction | undefined {
  const s = c.settings;
  if (!hasWorkerFunction(s)) return undefined;
  if (!lambdaProgramBundled(c.bundleDir, "worker-lambda"))
    throw new ConfigError("cannot deploy the worker function", [
      {
        key: "workerMode",
        value: s.workerMode,
        expected: `a bundle with worker-lambda.mjs (packages/worker/src/lambda/handler.ts, bundled by bin/app.ts) in ${c.bundleDir}`,
      },
    ]);
  const worker = new WorkerFunction(scope, "WorkerFunction", {
    bundleDir: c.bundleDir,
    appIni: c.appIni,
    nodejsMajorVersion: s.nodejsMajorVersion,
    memoryMiB: s.workerLambdaMemoryMiB,
    timeout: Duration.seconds(s.workerLambdaTimeoutSeconds),
    reservedConcurrency: s.workerLambdaReservedConcurrency,
    logRetention: s.logRetentionDays as logs.RetentionDays,
    logRemovalPolicy: c.logRemovalPolicy,
    queue: c.jobQueue.queue,
    batchSize: s.workerLambdaBatchSize,
    maxBatchingWindowSeconds: s.workerLambdaMaxBatchingWindowSeconds,
    drainedIdleMinutes: s.workerMode === "lambda" ? s.idleMinutes : undefined,
  });
  grantWorker(worker.app.role, { ...c, codeDelivery: undefined });
  return worker;
}

/**
 * The jobsender function on its schedule, with `jobsenderMode` lambda and the jobsender enabled
 * (else undefined), granted what the jobsender host's role is (less the deploy bucket). Skipped
 * with a synth warning while the bundle has no `jobsender-lambda.mjs`.
 */
export function newJobsenderFunction(
  scope: Construct,
  c: FunctionContext,
): JobsenderFunction | undefined {
  const s = c.settings;
  if (!(s.jobsenderEnabled && s.jobsenderMode === "lambda")) return undefined;
  if (!lambdaProgramBundled(c.bundleDir, "jobsender-lambda")) {
    Annotations.of(scope).addWarningV2(
      "s3mig:jobsenderLambdaMissing",
      "jobsender-lambda.mjs is not in the bundle (packages/jobsender/src/lambda/handler.ts missing?): no jobsender function.",
    );
    return undefined;
  }
  const jobsender = new JobsenderFunction(scope, "JobsenderFunction", {
    bundleDir: c.bundleDir,
    appIni: c.appIni,
    ignorePatterns: s.ignorePatterns,
    nodejsMajorVersion: s.nodejsMajorVersion,
    memoryMiB: s.jobsenderLambdaMemoryMiB,
    timeout: Duration.seconds(s.jobsenderLambdaTimeoutSeconds),
    logRetention: s.logRetentionDays as logs.RetentionDays,
    logRemovalPolicy: c.logRemovalPolicy,
    scheduleExpression: s.jobsenderScheduleExpression,
  });
  grantJobsender(jobsender.app.role, { ...c, codeDelivery: undefined });
  return jobsender;
}

/**
 * Whether a jobsender host is deployed: enabled, `jobsenderMode` host, and bundled (a warning
 * when enabled but not bundled).
 */
export function jobsenderHostWanted(
  scope: Construct,
  s: ResolvedSettings,
  bundleDir: string,
): boolean {
  if (!(s.jobsenderEnabled && s.jobsenderMode === "host")) return false;
  const bundled = existsSync(join(bundleDir, "jobsender.mjs"));
  if (!bundled) {
    Annotations.of(scope).addWarningV2(
      "s3mig:jobsenderMissing",
      "jobsender.mjs is not in the bundle (packages/jobsender/src/main.ts missing?): no jobsender host.",
    );
  }
  return bundled;
}

/** The log groups whose `error`/`warn` lines are counted: hosts' and functions'. */
export function programLogs(stack: MigrationStack): ProgramLogs[] {
  const programs: (ProgramLogs | undefined)[] = [
    stack.workers && { role: "worker", logGroup: stack.workers.logGroup },
    stack.workerFunction && {
      role: "worker",
      id: "worker-lambda",
      logGroup: stack.workerFunction.app.logGroup,
    },
    stack.jobsender && { role: "jobsender", logGroup: stack.jobsender.logGroup },
    stack.jobsenderFunction && {
      role: "jobsender",
      id: "jobsender-lambda",
      logGroup: stack.jobsenderFunction.app.logGroup,
    },
  ];
  return programs.filter((p) => p !== undefined);
}

/**
 * The functions' alarm limits: the worker's duration alarm waits 3 periods (stopping at the
 * deadline is how a large object resumes), the jobsender's fires on the first.
 */
export function watchedFunctions(stack: MigrationStack): WatchedFunction[] {
  const { workerFunction: worker, jobsenderFunction: jobsender } = stack;
  const watched: WatchedFunction[] = [];
  if (worker)
    watched.push({
      label: "Worker",
      fn: worker.app.fn,
      timeout: worker.app.timeout,
      concurrencyLimit: worker.app.reservedConcurrency,
      durationPeriods: 3,
    });
  if (jobsender)
    watched.push({
      label: "Jobsender",
      fn: jobsender.app.fn,
      timeout: jobsender.app.timeout,
      durationPeriods: 1,
    });
  return watched;
}
