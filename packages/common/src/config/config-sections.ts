import { resolve } from "node:path";
import {
  type Config,
  type DestinationSse,
  type Endpoints,
  type JobType,
  type LogLevel,
  STORAGE_CLASSES,
} from "./config-types.js";
import { bucketNameProblem, type FieldReader, REGION_PATTERN } from "./field-parsers.js";

// Each reader below checks one group of ini keys through the shared FieldReader. parseConfig
// calls them in a fixed order because that order is the order of the problems in the one
// ConfigError it throws (tests and operators read that list).

const MIB = 1024 * 1024;
/** S3's smallest part (all but the last) and largest single PUT / part. */
const MIN_PART_MB = 5;
const MAX_PART_MB = 5 * 1024;

const LOG_LEVELS: Record<string, LogLevel> = {
  DEBUG: "debug",
  INFO: "info",
  WARN: "warn",
  WARNING: "warn",
  ERROR: "error",
  CRITICAL: "error",
};

/** The fields {@link readJobTypeAndNames} fills. */
type NameFields = Pick<
  Config,
  | "jobType"
  | "tableQueueName"
  | "queueName"
  | "dlqName"
  | "tableName"
  | "bucketMapParameter"
  | "credentialsParameter"
  | "desBucketDefault"
  | "desPrefixDefault"
>;

/** `JobType`, the queue/table name, the two parameter references and the event-job defaults. */
export function readJobTypeAndNames(r: FieldReader, baseDir: string): NameFields {
  const jobType = r.oneOf<JobType>("JobType", ["PUT", "GET"], "PUT");
  const tableQueueName = r.required(
    "table_queue_name",
    "a name of 3-76 characters of A-Z, a-z, 0-9, '_' or '-' (used for the queue and the table)",
  );
  if (tableQueueName !== undefined && !/^[A-Za-z0-9_-]{3,76}$/.test(tableQueueName)) {
    r.problem(
      "table_queue_name",
      tableQueueName,
      "3-76 characters of A-Z, a-z, 0-9, '_' or '-' (an SQS queue and DynamoDB table name, with room for -DLQ)",
    );
  }
  const bucketMapParameter = r.parameterRef("ssm_parameter_bucket", baseDir);
  const credentialsParameter = r.parameterRef("ssm_parameter_credentials", baseDir);

  const desBucketDefault = r.string("Des_bucket_default", "");
  if (desBucketDefault !== "") {
    const why = bucketNameProblem(desBucketDefault);
    if (why) r.problem("Des_bucket_default", desBucketDefault, why);
  }
  return {
    jobType,
    tableQueueName: tableQueueName ?? "",
    queueName: tableQueueName ?? "",
    dlqName: `${tableQueueName ?? ""}-DLQ`,
    tableName: tableQueueName ?? "",
    bucketMapParameter: bucketMapParameter ?? { kind: "ssm", name: "" },
    credentialsParameter: credentialsParameter ?? { kind: "ssm", name: "" },
    desBucketDefault,
    desPrefixDefault: r.string("Des_prefix_default", ""),
  };
}

/** `ChunkSize` and `MemoryBudgetMB`, in bytes; the budget must hold at least one part. */
export function readPartAndMemorySizes(
  r: FieldReader,
): Pick<
  Config,
  "chunkSizeBytes" | "memoryBudgetBytes" | "splitThresholdBytes" | "splitSliceSizeBytes"
> {
  const chunkSizeMb = r.integer("ChunkSize", 5, MIN_PART_MB, MAX_PART_MB, "MB");
  const memoryBudgetMb = r.integer("MemoryBudgetMB", 2048, 8, 1024 * 1024, "MB");
  if (memoryBudgetMb < chunkSizeMb) {
    r.problem(
      "MemoryBudgetMB",
      String(memoryBudgetMb),
      `at least ChunkSize (${chunkSizeMb} MB), so one part fits in memory`,
    );
  }
  return {
    chunkSizeBytes: chunkSizeMb * MIB,
    memoryBudgetBytes: memoryBudgetMb * MIB,
    ...readSplitSizes(r, chunkSizeMb),
  };
}

/** S3's largest object, in MB: no threshold above it can ever split anything. */
const MAX_OBJECT_MB = 5 * 1024 * 1024;

/** `SplitThreshold` and `SplitSliceSize`: a slice holds at least one part of `ChunkSize`. */
function readSplitSizes(
  r: FieldReader,
  chunkSizeMb: number,
): Pick<Config, "splitThresholdBytes" | "splitSliceSizeBytes"> {
  const threshold = r.integer("SplitThreshold", 10_240, 0, MAX_OBJECT_MB, "MB, 0 = never split");
  const slice = r.integer("SplitSliceSize", 1024, MIN_PART_MB, MAX_OBJECT_MB, "MB");
  if (slice < chunkSizeMb) {
    r.problem(
      "SplitSliceSize",
      String(slice),
      `at least ChunkSize (${chunkSizeMb} MB), so a slice holds at least one part`,
    );
  }
  return { splitThresholdBytes: threshold * MIB, splitSliceSizeBytes: slice * MIB };
}

/** `LoggingLevel`, in the original tool's Python names, as a winston level. */
export function readLogLevel(r: FieldReader): LogLevel {
  const level = r.text("LoggingLevel");
  const logLevel = level === undefined ? "info" : LOG_LEVELS[level.toUpperCase()];
  if (logLevel === undefined) r.problem("LoggingLevel", level, "DEBUG, INFO, WARNING or ERROR");
  return logLevel ?? "info";
}

/** `Region` (required). */
export function readRegion(r: FieldReader): string {
  const region = r.required("Region", "an AWS region such as us-east-1 (Region or AWS_REGION)");
  if (region !== undefined && !REGION_PATTERN.test(region)) {
    r.problem("Region", region, "an AWS region such as us-east-1 or cn-north-1");
  }
  return region ?? "";
}

/** `DestinationSse` and `DestinationKmsKeyId` (a key only makes sense with `aws:kms`). */
export function readDestinationEncryption(
  r: FieldReader,
): Pick<Config, "destinationSse" | "destinationKmsKeyId"> {
  const destinationSse = r.oneOf<DestinationSse>(
    "DestinationSse",
    ["NONE", "AES256", "aws:kms"],
    "NONE",
  );
  const destinationKmsKeyId = r.string("DestinationKmsKeyId", "");
  if (destinationKmsKeyId !== "" && destinationSse !== "aws:kms") {
    r.problem(
      "DestinationKmsKeyId",
      destinationKmsKeyId,
      "to be empty unless DestinationSse = aws:kms",
    );
  }
  return { destinationSse, destinationKmsKeyId };
}

/**
 * The longest `JobTimeout` that can take effect: SQS keeps a received message invisible at most
 * 12 hours, so no copy runs longer within one receive (the worker stops it and the next receive
 * resumes it).
 */
export const MAX_JOB_TIMEOUT_SEC = 43_200;

/**
 * Storage class, single-PUT threshold, retries, concurrency and the per-job time limit. A
 * `JobTimeout` above {@link MAX_JOB_TIMEOUT_SEC} (older files say 86400) is capped to it, with a
 * warning in `warnings`: it could never take effect, and the file still loads.
 */
export function readCopyLimits(
  r: FieldReader,
  warnings: string[],
): Pick<
  Config,
  | "storageClass"
  | "resumableThresholdBytes"
  | "maxRetry"
  | "maxThread"
  | "maxParallelFile"
  | "maxConnections"
  | "maxBandwidthBytesPerSec"
  | "jobTimeoutSec"
> {
  return {
    storageClass: r.oneOf("StorageClass", STORAGE_CLASSES, "STANDARD"),
    resumableThresholdBytes: r.integer("ResumableThreshold", 5, 0, MAX_PART_MB, "MB") * MIB,
    maxRetry: r.integer("MaxRetry", 10, 0, 100),
    maxThread: optionalInteger(r, "MaxThread", 1, 1000),
    maxParallelFile: optionalInteger(r, "MaxParallelFile", 1, 1000),
    maxConnections: r.integer("MaxConnections", DEFAULT_MAX_CONNECTIONS, 1, 4096),
    maxBandwidthBytesPerSec: r.integer("MaxBandwidthMBps", 0, 0, 100_000, "MB/s, 0 = no cap") * MIB,
    jobTimeoutSec: readJobTimeout(r, warnings),
  };
}

/**
 * Requests carrying object bytes in flight per worker process, by default. Sized for the fleet's
 * default instance (c5.large: about 94 MB/s of baseline network) on a cross-border link that
 * holds 0.5–1 MB/s per TCP connection: 100–190 connections fill it, 256 leave room for RTTs up to
 * 300 ms, and 256 parts of the default 5 MiB (1.25 GiB) fit the default 2 GiB memory budget.
 */
export const DEFAULT_MAX_CONNECTIONS = 256;

/** An integer key with no default: `undefined` when the file leaves it out. */
function optionalInteger(r: FieldReader, key: string, min: number, max: number) {
  return r.text(key) === undefined ? undefined : r.integer(key, min, min, max);
}

function readJobTimeout(r: FieldReader, warnings: string[]): number {
  const sec = r.integer("JobTimeout", MAX_JOB_TIMEOUT_SEC, 0, 30 * 86_400, "seconds, 0 = no limit");
  if (sec <= MAX_JOB_TIMEOUT_SEC) return sec;
  warnings.push(
    `config key JobTimeout = ${sec} is above ${MAX_JOB_TIMEOUT_SEC} s, the 12 hours SQS keeps a received message invisible; ${MAX_JOB_TIMEOUT_SEC} is used`,
  );
  return MAX_JOB_TIMEOUT_SEC;
}

/** The three version-id switches of the original tool. */
export function readVersionIdFlags(
  r: FieldReader,
): Pick<Config, "jobsenderCompareVersionId" | "updateVersionId" | "getObjectWithVersionId"> {
  return {
    jobsenderCompareVersionId: r.boolean("JobsenderCompareVersionId", false),
    updateVersionId: r.boolean("UpdateVersionId", false),
    getObjectWithVersionId: r.boolean("GetObjectWithVersionId", false),
  };
}

/** Endpoint overrides of the instance-role side's services. */
export function readEndpoints(r: FieldReader): Endpoints {
  return {
    s3: r.url("S3Endpoint"),
    sqs: r.url("SqsEndpoint"),
    dynamodb: r.url("DynamoDbEndpoint"),
    ssm: r.url("SsmEndpoint"),
  };
}

/** `IgnoreListFile`: the default name may be absent, a name set explicitly must exist. */
export function readIgnoreList(r: FieldReader, baseDir: string): Config["ignoreList"] {
  return {
    path: resolve(baseDir, r.text("IgnoreListFile") ?? "s3_migration_ignore_list.txt"),
    required: r.text("IgnoreListFile") !== undefined,
  };
}

/** `InstanceMetadataEndpoint`: `none` turns IMDS off (local runs). */
export function readInstanceMetadataEndpoint(r: FieldReader): string | undefined {
  return r.text("InstanceMetadataEndpoint")?.toLowerCase() === "none"
    ? undefined
    : (r.url("InstanceMetadataEndpoint") ?? "http://169.254.169.254");
}
