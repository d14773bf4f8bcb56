/**
 * The jobsender (composition root): `pnpm jobsender --config <ini> [--dry-run] [--force]`.
 * Lists every bucket-map entry on both sides, diffs them in one streaming pass and sends one
 * message per object to copy. Logs go to stderr (JSON lines); with `--dry-run` the jobs go to
 * stdout, one message per line, and nothing is sent.
 *
 * Exit codes: 0 done (jobs sent, or nothing to send); 3 skipped: the queue still holds
 * messages of an earlier run (visible or in flight; `--force` sends anyway); 2 bad
 * configuration, bucket map or ignore list (nothing sent); 1 any other failure.
 */

import { parseArgs } from "node:util";
import { GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import {
  type AwsClients,
  type BucketMapping,
  type Config,
  ConfigError,
  createClients,
  createLogger,
  createSsmClient,
  destroyClients,
  FatalError,
  formatJobMessage,
  type Logger,
  loadBucketMap,
  loadConfig,
  loadCredentials,
  MessageSender,
  queueCounts,
} from "@s3-migration/common";
import { checkRoleSideRegions } from "./bucket-regions.js";
import { createDiffStats } from "./diff-listings.js";
import { compileIgnoreList, type IgnoreMatcher, loadIgnoreList } from "./ignore-list.js";
import { createPlanStats, type PlanStats, planJobs } from "./plan-jobs.js";
import { startProgress } from "./progress.js";
import { loadCopiedVersions } from "./source-versions.js";

const EXIT = { ok: 0, failed: 1, config: 2, busy: 3 } as const;

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

type Args = ReturnType<typeof readArgs>;

async function run(config: Config, args: Args, logger: Logger): Promise<number> {
  const started = Date.now();
  const needsSsm = [config.bucketMapParameter, config.credentialsParameter].some(
    (p) => p.kind === "ssm",
  );
  const ssm = needsSsm ? createSsmClient(config) : undefined;
  // Everything that can be wrong with the input is checked before anything is listed or sent.
  const mappings = await loadBucketMap(config.bucketMapParameter, ssm);
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
    const queueUrl = QueueUrl;
    if (await queueStillBusy(clients, queueUrl, config, args, logger)) return EXIT.busy;
    const sender = args.dryRun
      ? undefined
      : new MessageSender(clients.sqs, queueUrl, { maxRetry: config.maxRetry });
    const totals: PlanStats[] = [];
    for (const mapping of mappings) {
      totals.push(await sendMappingJobs(mapping, { config, clients, ignore, sender, logger }));
    }
    reportTotals(totals, sender, { started, dryRun: args.dryRun }, logger);
    return EXIT.ok;
  } finally {
    destroyClients(clients);
  }
}

/**
 * True, after telling the operator, when the queue still holds messages of an earlier run
 * (visible or in flight) and neither `--force` nor `--dry-run` was given.
 */
async function queueStillBusy(
  clients: AwsClients,
  queueUrl: string,
  config: Config,
  args: Args,
  logger: Logger,
): Promise<boolean> {
  const counts = await queueCounts(clients.sqs, queueUrl);
  const depth = { visible: counts.waiting, inFlight: counts.inFlight + counts.delayed };
  if (depth.visible + depth.inFlight > 0 && !args.force && !args.dryRun) {
    logger.warn(
      "queue still busy with an earlier run; nothing sent (use --force to send anyway)",
      depth,
    );
    process.stderr.write(
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
  /** Undefined with `--dry-run`: the jobs go to stdout instead. */
  readonly sender: MessageSender | undefined;
  readonly logger: Logger;
}

/** Plans one bucket-map entry's jobs and sends them (or prints them); returns its counts. */
async function sendMappingJobs(mapping: BucketMapping, ctx: SendContext): Promise<PlanStats> {
  const { config, clients, sender, logger } = ctx;
  const stats = createPlanStats(createDiffStats());
  const copiedVersions = config.jobsenderCompareVersionId
    ? await loadCopiedVersions(clients.dynamodb, config.tableName, mapping.srcBucket)
    : undefined;
  const progress = startProgress(logger, mapping, stats, () => sender?.sent ?? stats.jobs);
  try {
    const jobs = planJobs(
      mapping,
      {
        source: clients.sourceS3,
        destination: clients.destinationS3,
        compare: config.jobsenderCompare,
        ignore: ctx.ignore,
        copiedVersions,
      },
      stats,
    );
    for await (const job of jobs) {
      if (sender) await sender.add(formatJobMessage(job));
      else process.stdout.write(`${formatJobMessage(job)}\n`);
    }
    await sender?.flush();
  } finally {
    progress.stop();
  }
  logger.info("bucket map entry done", { ...mapping, ...stats });
  return stats;
}

/** Logs the run's totals and prints the one-line summary. */
function reportTotals(
  totals: readonly PlanStats[],
  sender: MessageSender | undefined,
  run: { readonly started: number; readonly dryRun: boolean },
  logger: Logger,
): void {
  const sum = (k: keyof PlanStats) => totals.reduce((n, s) => n + s[k], 0);
  const summary = {
    sourceObjects: sum("sourceObjects"),
    destinationObjects: sum("destinationObjects"),
    jobs: sum("jobs"),
    jobsSent: sender?.sent ?? 0,
    bytesToMove: sum("bytes"),
    ignored: sum("ignored"),
    versionChanged: sum("versionChanged"),
    durationMs: Date.now() - run.started,
    dryRun: run.dryRun,
  };
  logger.info("jobsender finished", summary);
  process.stderr.write(
    `jobsender: listed ${summary.sourceObjects} source / ${summary.destinationObjects} destination objects; ` +
      `${run.dryRun ? "would send" : "sent"} ${run.dryRun ? summary.jobs : summary.jobsSent} jobs ` +
      `(${(summary.bytesToMove / 1048576).toFixed(1)} MiB to move), ignored ${summary.ignored}, ` +
      `in ${(summary.durationMs / 1000).toFixed(1)} s\n`,
  );
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
  try {
    return await run(config, args, logger);
  } catch (err) {
    logger.error("jobsender failed", { error: err });
    process.stderr.write(`jobsender: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof ConfigError ? EXIT.config : EXIT.failed;
  }
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
