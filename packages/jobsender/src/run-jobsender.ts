/**
 * One jobsender run, after the arguments and the config are read: shared by the CLI (`main.ts`)
 * and the scheduled Lambda (`lambda/handler.ts`). Lists every bucket-map entry on both sides,
 * diffs them in one streaming pass and sends one message per object to copy (with `dryRun`,
 * writes them to `stdout` instead).
 *
 * With a `signal` (the Lambda's deadline), an abort stops the run cleanly: the listing is cut,
 * the jobs already planned are flushed (each message is one whole job, so the queue only ever
 * holds complete jobs), no further entry is started, and the summary says `stoppedAtDeadline`.
 */
import { GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import {
  type AwsClients,
  type BucketMapping,
  type Config,
  ConfigError,
  createClients,
  destroyClients,
  FatalError,
  type Logger,
  loadBucketMap,
  loadCredentials,
  MessageSender,
  queueCounts,
  ssmClientIfNeeded,
} from "@s3-migration/common";
import { checkRoleSideRegions } from "./bucket-regions.js";
import { createDiffStats } from "./diff-listings.js";
import { compileIgnoreList, type IgnoreMatcher, loadIgnoreList } from "./ignore-list.js";
import { createPlanStats, type PlanStats, planJobs } from "./plan-jobs.js";
import { startProgress } from "./progress.js";
import {
  EXIT,
  type ExitCode,
  newRunState,
  type RunState,
  type RunSummary,
  reportTotals,
  summarize,
} from "./run-summary.js";
import { type JobSink, type SendOutcome, sendJobs } from "./send-jobs.js";
import { loadCopiedVersions } from "./source-versions.js";

export { EXIT, type ExitCode, type RunSummary } from "./run-summary.js";

/** What the operator asked for. */
export interface RunOptions {
  /** Write the jobs to `stdout` instead of sending them; skips the queue-depth check. */
  readonly dryRun: boolean;
  /** Send even though the queue still holds messages of an earlier run. */
  readonly force: boolean;
}

/** Where the run reports, and what stops it. */
export interface RunIo {
  readonly logger: Logger;
  /** Aborted at the deadline: the run stops cleanly (see the module comment). @default none */
  readonly signal?: AbortSignal | undefined;
  /** Receives the jobs of a dry run, one per line. @default process.stdout */
  readonly stdout?: NodeJS.WritableStream | undefined;
  /** Receives the human-readable lines (busy queue, summary, failure). @default process.stderr */
  readonly stderr?: NodeJS.WritableStream | undefined;
}

/**
 * Runs the jobsender once. Never throws for a failure of the run: it logs it, writes one line
 * to `stderr` and answers exit code 2 (bad configuration, bucket map or ignore list; nothing
 * sent) or 1 (any other failure).
 */
export async function runJobsender(
  config: Config,
  options: RunOptions,
  io: RunIo,
): Promise<RunSummary> {
  const state = newRunState();
  const stderr = io.stderr ?? process.stderr;
  try {
    const exitCode = await run(config, options, io, state);
    const summary = summarize(state, exitCode, options.dryRun);
    if (exitCode === EXIT.ok) reportTotals(summary, io.logger, stderr);
    return summary;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    io.logger.error("jobsender failed", { error: err });
    stderr.write(`jobsender: ${message}\n`);
    const exitCode = err instanceof ConfigError ? EXIT.config : EXIT.failed;
    return { ...summarize(state, exitCode, options.dryRun), error: message };
  }
}

async function run(
  config: Config,
  options: RunOptions,
  io: RunIo,
  state: RunState,
): Promise<ExitCode> {
  const ssm = ssmClientIfNeeded(config);
  // Everything that can be wrong with the input is checked before anything is listed or sent.
  const mappings = await loadBucketMap(config.bucketMapParameter, ssm);
  state.mappingsTotal = mappings.length;
  const ignore = compileIgnoreList(await loadIgnoreList(config.ignoreList));
  const clients = createClients(config, await loadCredentials(config.credentialsParameter, ssm));
  try {
    const roleSide = clients.sides.source === "instance-role" ? "source" : "destination";
    await checkRoleSideRegions(mappings, {
      side: roleSide,
      s3: roleSide === "source" ? clients.sourceS3 : clients.destinationS3,
      region: config.region,
    });
    const { QueueUrl } = await clients.sqs.send(
      new GetQueueUrlCommand({ QueueName: config.queueName }),
    );
    if (!QueueUrl) throw new FatalError(`queue ${config.queueName} has no URL`);
    if (await queueStillBusy(clients, QueueUrl, config, options, io)) return EXIT.busy;
    const sender = options.dryRun
      ? undefined
      : new MessageSender(clients.sqs, QueueUrl, { maxRetry: config.maxRetry });
    state.sender = sender;
    const ctx = { config, clients, ignore, io, sender };
    for (const mapping of mappings) {
      // No entry is started after the deadline: the next run lists it from the start.
      state.stopped = io.signal?.aborted === true;
      if (state.stopped) break;
      // Counted from the start, so a run that fails or stops mid-entry reports what it listed.
      const stats = createPlanStats(createDiffStats());
      state.totals.push(stats);
      state.stopped = await sendMappingJobs(mapping, stats, ctx);
      if (state.stopped) break;
      state.mappingsDone++;
    }
    return EXIT.ok;
  } finally {
    destroyClients(clients);
  }
}

/**
 * True, after telling the operator, when the queue still holds messages of an earlier run
 * (visible or in flight) and neither `force` nor `dryRun` was given.
 */
async function queueStillBusy(
  clients: AwsClients,
  queueUrl: string,
  config: Config,
  options: RunOptions,
  io: RunIo,
): Promise<boolean> {
  const counts = await queueCounts(clients.sqs, queueUrl);
  const depth = { visible: counts.waiting, inFlight: counts.inFlight + counts.delayed };
  if (depth.visible + depth.inFlight > 0 && !options.force && !options.dryRun) {
    io.logger.warn(
      "queue still busy with an earlier run; nothing sent (use --force to send anyway)",
      depth,
    );
    (io.stderr ?? process.stderr).write(
      `jobsender: queue ${config.queueName} still holds ${depth.visible} waiting and ${depth.inFlight} in-flight messages; nothing sent (exit 3, --force to override)\n`,
    );
    return true;
  }
  return false;
}

/** What {@link sendMappingJobs} works with. */
interface SendContext {
  readonly config: Config;
  readonly clients: AwsClients;
  readonly ignore: IgnoreMatcher;
  readonly io: RunIo;
  /** Undefined with `dryRun`: the jobs go to `stdout` instead. */
  readonly sender: MessageSender | undefined;
}

/**
 * Plans one bucket-map entry's jobs and sends them (or prints them), counting into `stats`;
 * true when the deadline stopped it before the end of its listing.
 */
async function sendMappingJobs(
  mapping: BucketMapping,
  stats: PlanStats,
  ctx: SendContext,
): Promise<boolean> {
  const { config, clients, sender, io } = ctx;
  const copiedVersions = config.jobsenderCompareVersionId
    ? await loadCopiedVersions(clients.dynamodb, config.tableName, mapping.srcBucket)
    : undefined;
  const progress = startProgress(io.logger, mapping, stats, () => sender?.sent ?? stats.jobs);
  const stdout = io.stdout ?? process.stdout;
  const sink: JobSink = sender ?? {
    add: async (body) => void stdout.write(`${body}\n`),
    flush: async () => {},
  };
  let outcome: SendOutcome;
  try {
    const deps = {
      source: clients.sourceS3,
      destination: clients.destinationS3,
      compare: config.jobsenderCompare,
      ignore: ctx.ignore,
      copiedVersions,
      signal: io.signal,
    };
    outcome = await sendJobs(planJobs(mapping, deps, stats), sink, io.signal);
  } finally {
    progress.stop();
  }
  if (outcome.stopped) {
    io.logger.warn("bucket map entry stopped at the deadline", { ...mapping, ...stats });
  } else io.logger.info("bucket map entry done", { ...mapping, ...stats });
  return outcome.stopped;
}
