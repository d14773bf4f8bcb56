/**
 * The worker process (composition root): `pnpm worker --config <ini> [--until-idle]
 * [--idle-seconds N] [--worker-id ID]`. Reads the config once, builds the clients, checks the
 * queue and the table, then polls until SIGTERM/SIGINT, a Spot interruption notice, an empty
 * queue (batch mode) or repeated fatal errors.
 *
 * Exit codes: 0 stopped (SIGTERM/SIGINT) or idle; 1 fatal (missing queue or table, bad
 * credentials: systemd restarts it after its back-off); 2 bad configuration or arguments;
 * 4 stopped for a Spot interruption notice (the systemd unit does not restart on 4).
 */
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import {
  type AwsClients,
  type Config,
  ConfigError,
  createClients,
  createLogger,
  createS3Client,
  createSsmClient,
  destroyClients,
  FatalError,
  type Logger,
  loadConfig,
  loadCredentials,
  type SideCredentials,
} from "@s3-migration/common";
import { Md5Threads } from "./engine/hashing/md5-threads.js";
import { MemoryBudget } from "./engine/memory/memory-budget.js";
import type { TransferDeps } from "./engine/transfer/copy-types.js";
import { transferOptionsFromConfig } from "./engine/transfer/transfer-options.js";
import { leanPaths } from "./lean-s3/lean-s3.js";
import { InstanceMetadata, watchSpotInterruption } from "./service/instance-metadata.js";
import { MessageProcessor } from "./service/message-processor.js";
import { PollLoop } from "./service/poll-loop.js";
import { StatusStore } from "./service/status-store.js";
import { ThroughputMetrics } from "./service/throughput-metrics.js";

const STARTUP_TRIES = 3;

function usage(problem: string): never {
  process.stderr.write(
    `worker: ${problem}\nusage: pnpm worker --config <ini> [--until-idle] [--idle-seconds N] [--worker-id ID]\n`,
  );
  process.exit(2);
}

function readArgs() {
  try {
    const { values } = parseArgs({
      options: {
        config: { type: "string" },
        "until-idle": { type: "boolean", default: false },
        "idle-seconds": { type: "string", default: "10" },
        "worker-id": { type: "string" },
      },
    });
    if (values.config === undefined) usage("--config is required");
    const idle = Number(values["idle-seconds"]);
    if (!Number.isInteger(idle) || idle < 0)
      usage(`--idle-seconds: got ${values["idle-seconds"]}; expected an integer ≥ 0`);
    return {
      config: values.config,
      untilIdleSec: values["until-idle"] ? idle : undefined,
      workerId: values["worker-id"],
    };
  } catch (err) {
    return usage(err instanceof Error ? err.message : String(err));
  }
}

/** Queue URL, its visibility timeout, and the table: checked before any message is taken. */
async function checkResources(clients: AwsClients, config: Config, logger: Logger) {
  for (let attempt = 1; ; attempt++) {
    try {
      const { QueueUrl } = await clients.sqs.send(
        new GetQueueUrlCommand({ QueueName: config.queueName }),
      );
      const attrs = await clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["VisibilityTimeout"] }),
      );
      await clients.dynamodb.send(new DescribeTableCommand({ TableName: config.tableName }));
      return {
        queueUrl: QueueUrl ?? "",
        visibilityTimeoutSec: Number(attrs.Attributes?.VisibilityTimeout ?? 30),
      };
    } catch (err) {
      const name = err instanceof Error ? err.name : String(err);
      logger.error("queue or status table not reachable", {
        queueName: config.queueName,
        tableName: config.tableName,
        attempt,
        error: err,
      });
      if (attempt >= STARTUP_TRIES) {
        throw new FatalError(
          `queue ${config.queueName} or table ${config.tableName} not reachable (${name})`,
          {
            cause: err,
          },
        );
      }
      await new Promise((r) => setTimeout(r, 2000 * attempt));
    }
  }
}

async function main(): Promise<number> {
  const args = readArgs();
  let config: Config;
  try {
    const loaded = loadConfig(args.config, process.env);
    config = loaded.config;
    const logger = createLogger({ service: "worker", level: config.logLevel });
    for (const w of loaded.warnings) logger.warn(w);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`worker: ${err.message}\n`);
    return 2;
  }
  const imds = config.instanceMetadataEndpoint
    ? new InstanceMetadata(config.instanceMetadataEndpoint)
    : undefined;
  const workerId =
    args.workerId ?? (await imds?.get("instance-id")) ?? `${hostname()}-${process.pid}`;
  const logger = createLogger({
    service: "worker",
    level: config.logLevel,
    defaultMeta: { workerId },
  });
  const needsSsm = [config.bucketMapParameter, config.credentialsParameter].some(
    (p) => p.kind === "ssm",
  );
  const ssm = needsSsm ? createSsmClient(config) : undefined;
  let credentials: SideCredentials;
  try {
    credentials = await loadCredentials(config.credentialsParameter, ssm);
  } catch (err) {
    process.stderr.write(`worker: ${err instanceof Error ? err.message : String(err)}\n`);
    logger.error("credentials not readable", { error: err });
    return err instanceof ConfigError ? 2 : 1;
  }
  const clients = createClients(config, credentials);
  const metrics = new ThroughputMetrics(logger);
  try {
    const { queueUrl, visibilityTimeoutSec } = await checkResources(clients, config, logger);
    let transfer: TransferDeps = {
      source: clients.sourceS3,
      destination: clients.destinationS3,
      budget: new MemoryBudget(config.memoryBudgetBytes),
      options: transferOptionsFromConfig(config),
      logger,
      hasher: new Md5Threads(),
      lean: leanPaths(clients.sourceS3, clients.destinationS3),
    };
    const refreshCredentials = async (): Promise<boolean> => {
      const fresh = await loadCredentials(config.credentialsParameter, ssm);
      if (JSON.stringify(fresh) === JSON.stringify(credentials)) return false;
      credentials = fresh;
      const keyed = createS3Client("access-key", config, fresh);
      transfer =
        clients.sides.source === "access-key"
          ? { ...transfer, source: keyed, lean: leanPaths(keyed, clients.destinationS3) }
          : { ...transfer, destination: keyed, lean: leanPaths(clients.sourceS3, keyed) };
      return true;
    };
    const processor = new MessageProcessor({
      sqs: clients.sqs,
      queueUrl,
      visibilityTimeoutSec,
      status: new StatusStore(
        clients.dynamodb,
        config.tableName,
        workerId,
        config.getObjectWithVersionId,
      ),
      transfer: () => transfer,
      events: config,
      jobTimeoutSec: config.jobTimeoutSec,
      metrics,
      logger,
      refreshCredentials,
    });
    const loop = new PollLoop({
      sqs: clients.sqs,
      queueUrl,
      processor,
      logger,
      maxParallel: config.maxParallelFile,
      waitSeconds: config.pollWaitSeconds,
      untilIdleSec: args.untilIdleSec,
    });
    for (const signal of ["SIGTERM", "SIGINT"] as const)
      process.on(signal, () => loop.stop(signal));
    let spotNotice = false;
    const stopWatching = imds
      ? watchSpotInterruption(imds, logger, () => {
          spotNotice = true;
          loop.stop("spot interruption");
        })
      : () => {};
    logger.info("worker started", {
      queueUrl,
      maxParallelFile: config.maxParallelFile,
      maxThread: config.maxThread,
    });
    const end = await loop.run();
    stopWatching();
    logger.info("worker stopped", { end });
    if (end === "fatal") return 1;
    return spotNotice ? 4 : 0;
  } catch (err) {
    logger.error("worker failed", { error: err });
    process.stderr.write(`worker: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    metrics.close();
    destroyClients(clients);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `worker: unexpected error: ${err instanceof Error ? err.stack : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
