import type { MigrationSettings } from "./migration-settings.js";
import { SCHEDULE_EXPRESSION_EXAMPLES, scheduleExpressionProblem } from "./schedule-expression.js";
import {
  hasWorkerFunction,
  JOBSENDER_HOST_KEYS,
  JOBSENDER_LAMBDA_KEYS,
  JOBSENDER_MODES,
  requiredVisibilitySeconds,
  WORKER_LAMBDA_KEYS,
  WORKER_MODES,
} from "./serverless-settings.js";
import { checkInt, type ReportProblem, type Unchecked } from "./settings-checks.js";

// The checks of the serverless settings (see serverless-settings.ts), reported like the others
// in settings-checks.ts: each names the setting, its value and what was expected.

/**
 * The modes, the functions' sizes, the queue visibility they need, the schedule expression,
 * and settings given for a mode that does not use them.
 *
 * @param input - the settings as given (before defaults), to tell a value set by hand.
 */
export function checkServerless(s: Unchecked, input: MigrationSettings, bad: ReportProblem): void {
  if (!WORKER_MODES.includes(s.workerMode))
    bad(
      "workerMode",
      s.workerMode,
      "fleet (the Spot fleet), lambda (a Lambda worker, no fleet) or hybrid (both on the job queue)",
    );
  if (!JOBSENDER_MODES.includes(s.jobsenderMode))
    bad(
      "jobsenderMode",
      s.jobsenderMode,
      "host (an instance with a systemd timer) or lambda (a Lambda on an EventBridge schedule)",
    );
  checkFunctionSizes(s, bad);
  checkVisibility(s, bad);
  const schedule = scheduleExpressionProblem(s.jobsenderScheduleExpression);
  if (schedule !== undefined)
    bad(
      "jobsenderScheduleExpression",
      s.jobsenderScheduleExpression,
      `an EventBridge schedule expression (UTC), e.g. ${SCHEDULE_EXPRESSION_EXAMPLES}; here: ${schedule}`,
    );
  checkKeysOfOtherModes(s, input, bad);
}

function checkFunctionSizes(s: Unchecked, bad: ReportProblem): void {
  checkInt(bad, "workerLambdaMemoryMiB", s.workerLambdaMemoryMiB, 512, 10_240);
  checkInt(bad, "workerLambdaTimeoutSeconds", s.workerLambdaTimeoutSeconds, 60, 900);
  checkInt(bad, "workerLambdaBatchSize", s.workerLambdaBatchSize, 1, 10_000);
  checkInt(
    bad,
    "workerLambdaMaxBatchingWindowSeconds",
    s.workerLambdaMaxBatchingWindowSeconds,
    0,
    300,
  );
  // The event source's maximum concurrency is at least 2.
  checkInt(bad, "workerLambdaReservedConcurrency", s.workerLambdaReservedConcurrency, 2, 1000);
  checkInt(bad, "jobsenderLambdaMemoryMiB", s.jobsenderLambdaMemoryMiB, 256, 10_240);
  checkInt(bad, "jobsenderLambdaTimeoutSeconds", s.jobsenderLambdaTimeoutSeconds, 60, 900);
  if (s.workerLambdaBatchSize > 10 && s.workerLambdaMaxBatchingWindowSeconds < 1)
    bad(
      "workerLambdaBatchSize",
      s.workerLambdaBatchSize,
      "at most 10 without a batching window (SQS event sources): set workerLambdaMaxBatchingWindowSeconds to 1 or more for bigger batches",
    );
}

/** The job queue's visibility timeout against the worker function's timeout. */
function checkVisibility(s: Unchecked, bad: ReportProblem): void {
  const required = requiredVisibilitySeconds(s);
  if (!Number.isInteger(required) || s.visibilityTimeoutSeconds >= required) return;
  bad(
    "visibilityTimeoutSeconds",
    s.visibilityTimeoutSeconds,
    `at least ${required} with workerMode ${s.workerMode}: 6 × workerLambdaTimeoutSeconds (${s.workerLambdaTimeoutSeconds}) + workerLambdaMaxBatchingWindowSeconds (${s.workerLambdaMaxBatchingWindowSeconds}), AWS's advice for SQS event sources; leave visibilityTimeoutSeconds unset to get exactly that, or lower workerLambdaTimeoutSeconds`,
  );
}

/**
 * Settings given by hand that the chosen modes do not use: refused rather than ignored, so a
 * schedule or a size meant for the other mode does not silently do nothing.
 */
function checkKeysOfOtherModes(s: Unchecked, input: MigrationSettings, bad: ReportProblem): void {
  if (!hasWorkerFunction(s) && WORKER_MODES.includes(s.workerMode)) {
    for (const key of WORKER_LAMBDA_KEYS) {
      if (input[key] !== undefined)
        bad(
          key,
          input[key],
          `only with workerMode lambda or hybrid (workerMode is ${s.workerMode})`,
        );
    }
  }
  if (s.jobsenderMode === "host") {
    for (const key of JOBSENDER_LAMBDA_KEYS) {
      if (input[key] !== undefined)
        bad(
          key,
          input[key],
          "only with jobsenderMode lambda (the jobsender host runs on jobsenderSchedule, a systemd OnCalendar expression)",
        );
    }
  }
  if (s.jobsenderMode === "lambda") {
    for (const key of JOBSENDER_HOST_KEYS) {
      if (input[key] !== undefined)
        bad(
          key,
          input[key],
          `not set with jobsenderMode lambda: it is the jobsender host's; the Lambda jobsender runs on jobsenderScheduleExpression, an EventBridge expression such as ${SCHEDULE_EXPRESSION_EXAMPLES}`,
        );
    }
  }
}
