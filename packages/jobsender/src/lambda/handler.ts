/**
 * The scheduled Lambda jobsender: an EventBridge schedule invokes it, and it runs the same
 * jobsender as the CLI (`runJobsender`) once, under a deadline of the invocation's remaining
 * time minus a margin (`S3MIG_LAMBDA_MARGIN_MS`, default 30 s).
 *
 * A run the deadline stops ends cleanly: the listing is cut, the jobs already planned are sent
 * (whole messages only) and the summary says `stoppedAtDeadline`. The next scheduled run goes on
 * from there without any saved state: it refuses to send while the queue still holds messages
 * (exit 3), and once the workers have copied them its diff skips those objects, so it gets
 * further into the listing (see the package README for the bucket size this covers).
 *
 * Nothing is kept across invocations: runs are minutes or hours apart, usually on a cold
 * environment, and each run must re-read the bucket map and credentials anyway, so an edited
 * bucket map takes effect at the next run.
 */
import { createLogger, loadConfig } from "@s3-migration/common";
import { runJobsender } from "../run-jobsender.js";
import type { RunSummary } from "../run-summary.js";
import {
  type LambdaContext,
  lambdaConfigPath,
  lambdaMarginMs,
  readScheduleEvent,
  settleSummary,
  startDeadline,
} from "./schedule.js";

export {
  DEFAULT_MARGIN_MS,
  JobsenderLambdaError,
  JobsenderRunError,
  JobsenderStalledError,
  type LambdaContext,
} from "./schedule.js";

/** The Lambda entry point (`handler` of the bundled jobsender Lambda). */
export async function handler(event: unknown, context: LambdaContext): Promise<RunSummary> {
  return runScheduled(event, context, process.env);
}

/**
 * One invocation with the environment `env`: the ini named by `S3MIG_CONFIG_FILE` (default
 * `s3_migration_config.ini` beside the handler), `S3MIG_<key>` variables overriding it. Answers
 * the run's summary (exit 0 or 3); throws a ConfigError, a TypeError (a bad event), a
 * `JobsenderRunError` (exit 1 or 2) or a `JobsenderStalledError` (stopped at the deadline before
 * sending anything), so Lambda records the invocation as failed.
 */
export async function runScheduled(
  event: unknown,
  context: LambdaContext,
  env: Readonly<Record<string, string | undefined>>,
): Promise<RunSummary> {
  const options = readScheduleEvent(event);
  const marginMs = lambdaMarginMs(env);
  const deadline = startDeadline(context.getRemainingTimeInMillis(), marginMs);
  try {
    const { config, warnings } = loadConfig(lambdaConfigPath(env), env);
    const logger = createLogger({ service: "jobsender", level: config.logLevel }).child({
      requestId: context.awsRequestId,
    });
    for (const w of warnings) logger.warn(w);
    logger.info("lambda jobsender started", { ...options, timeLeftMs: deadline.timeLeftMs });
    const summary = await runJobsender(config, options, { logger, signal: deadline.signal });
    // A run stopped before sending anything fails as stalled instead (settleSummary).
    if (summary.stoppedAtDeadline && (summary.jobsSent > 0 || summary.dryRun)) {
      logger.warn(
        "jobsender stopped at the deadline; the next scheduled run continues: it waits until the workers have drained the queue, then its diff skips what they copied",
        {
          jobsSent: summary.jobsSent,
          sourceObjects: summary.sourceObjects,
          mappingsDone: summary.mappingsDone,
          mappingsTotal: summary.mappingsTotal,
          timeLeftMs: deadline.timeLeftMs,
        },
      );
    }
    return settleSummary(summary);
  } finally {
    deadline.clear();
  }
}
