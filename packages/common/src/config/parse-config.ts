import { resolve } from "node:path";
import { ConfigError } from "../errors.js";
import {
  type ChecksumMode,
  type Config,
  type DestinationSse,
  type JobType,
  type LogLevel,
  STORAGE_CLASSES,
} from "./config-types.js";
import { bucketNameProblem, FieldReader, REGION_PATTERN } from "./field-parsers.js";

const MIB = 1024 * 1024;
/** S3's smallest part (all but the last) and largest single PUT / part. */
const MIN_PART_MB = 5;
const MAX_PART_MB = 5 * 1024;

/** Every ini key this project reads. Unknown keys are an error (a typo must not pass silently). */
export const CONFIG_KEYS = [
  "JobType",
  "table_queue_name",
  "ssm_parameter_bucket",
  "ssm_parameter_credentials",
  "Des_bucket_default",
  "Des_prefix_default",
  "StorageClass",
  "ResumableThreshold",
  "MaxRetry",
  "MaxThread",
  "MaxParallelFile",
  "JobTimeout",
  "LoggingLevel",
  "CleanUnfinishedUpload",
  "ChunkSize",
  "JobsenderCompareVersionId",
  "UpdateVersionId",
  "GetObjectWithVersionId",
  "Region",
  "S3Endpoint",
  "SqsEndpoint",
  "DynamoDbEndpoint",
  "SsmEndpoint",
  "S3ForcePathStyle",
  "ChecksumMode",
  "MemoryBudgetMB",
  "DestinationSse",
  "DestinationKmsKeyId",
  "CopyObjectTags",
  "PollWaitSeconds",
  "InstanceMetadataEndpoint",
  "JobsenderCompare",
  "IgnoreListFile",
] as const;

/** Keys of the original tool that mean nothing here; accepted so old files load, with a warning. */
export const IGNORED_LEGACY_KEYS = ["LocalProfileMode", "ifVerifyMD5Twice", "sqs_queue_name"];

const LOG_LEVELS: Record<string, LogLevel> = {
  DEBUG: "debug",
  INFO: "info",
  WARN: "warn",
  WARNING: "warn",
  ERROR: "error",
  CRITICAL: "error",
};

/** The result of parsing: the configuration and the non-fatal remarks about it. */
export interface ParsedConfig {
  readonly config: Readonly<Config>;
  readonly warnings: readonly string[];
}

/**
 * Validates flat settings (`key → text`, ini values with environment overrides applied) and
 * returns the typed configuration. Throws one {@link ConfigError} that lists every problem.
 *
 * @param raw - settings by ini key name
 * @param baseDir - folder that relative `file:` parameter paths resolve against
 *
 * @example
 * const { config } = parseConfig({ table_queue_name: "s3_migration", ... }, "/etc/s3-migration");
 */
export function parseConfig(raw: Readonly<Record<string, string>>, baseDir: string): ParsedConfig {
  const r = new FieldReader(raw);
  const warnings: string[] = [];
  for (const key of Object.keys(raw)) {
    if ((CONFIG_KEYS as readonly string[]).includes(key)) continue;
    if (IGNORED_LEGACY_KEYS.includes(key)) {
      warnings.push(`config key ${key} is not used by this tool and was ignored`);
      continue;
    }
    r.problem(key, raw[key], `a known key${suggest(key)}`);
  }

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
  const desPrefixDefault = r.string("Des_prefix_default", "");

  const chunkSizeMb = r.integer("ChunkSize", 5, MIN_PART_MB, MAX_PART_MB, "MB");
  const memoryBudgetMb = r.integer("MemoryBudgetMB", 2048, 8, 1024 * 1024, "MB");
  if (memoryBudgetMb < chunkSizeMb) {
    r.problem(
      "MemoryBudgetMB",
      String(memoryBudgetMb),
      `at least ChunkSize (${chunkSizeMb} MB), so one part fits in memory`,
    );
  }

  const level = r.text("LoggingLevel");
  const logLevel = level === undefined ? "info" : LOG_LEVELS[level.toUpperCase()];
  if (logLevel === undefined) r.problem("LoggingLevel", level, "DEBUG, INFO, WARNING or ERROR");

  const region = r.required("Region", "an AWS region such as us-east-1 (Region or AWS_REGION)");
  if (region !== undefined && !REGION_PATTERN.test(region)) {
    r.problem("Region", region, "an AWS region such as us-east-1 or cn-north-1");
  }

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

  const config: Config = {
    jobType,
    tableQueueName: tableQueueName ?? "",
    queueName: tableQueueName ?? "",
    dlqName: `${tableQueueName ?? ""}-DLQ`,
    tableName: tableQueueName ?? "",
    bucketMapParameter: bucketMapParameter ?? { kind: "ssm", name: "" },
    credentialsParameter: credentialsParameter ?? { kind: "ssm", name: "" },
    desBucketDefault,
    desPrefixDefault,
    storageClass: r.oneOf("StorageClass", STORAGE_CLASSES, "STANDARD"),
    resumableThresholdBytes: r.integer("ResumableThreshold", 5, 0, MAX_PART_MB, "MB") * MIB,
    maxRetry: r.integer("MaxRetry", 10, 0, 100),
    maxThread: r.integer("MaxThread", 10, 1, 1000),
    maxParallelFile: r.integer("MaxParallelFile", 5, 1, 1000),
    jobTimeoutSec: r.integer("JobTimeout", 86_400, 0, 30 * 86_400, "seconds, 0 = no limit"),
    logLevel: logLevel ?? "info",
    cleanUnfinishedUpload: r.boolean("CleanUnfinishedUpload", false),
    chunkSizeBytes: chunkSizeMb * MIB,
    jobsenderCompareVersionId: r.boolean("JobsenderCompareVersionId", false),
    updateVersionId: r.boolean("UpdateVersionId", false),
    getObjectWithVersionId: r.boolean("GetObjectWithVersionId", false),
    region: region ?? "",
    endpoints: {
      s3: r.url("S3Endpoint"),
      sqs: r.url("SqsEndpoint"),
      dynamodb: r.url("DynamoDbEndpoint"),
      ssm: r.url("SsmEndpoint"),
    },
    s3ForcePathStyle: r.boolean("S3ForcePathStyle", false),
    checksumMode: r.oneOf<ChecksumMode>(
      "ChecksumMode",
      ["WHEN_REQUIRED", "WHEN_SUPPORTED"],
      "WHEN_REQUIRED",
    ),
    memoryBudgetBytes: memoryBudgetMb * MIB,
    destinationSse,
    destinationKmsKeyId,
    copyObjectTags: r.boolean("CopyObjectTags", false),
    jobsenderCompare: r.oneOf<"size" | "size+etag">(
      "JobsenderCompare",
      ["size", "size+etag"],
      "size",
    ),
    ignoreList: {
      path: resolve(baseDir, r.text("IgnoreListFile") ?? "s3_migration_ignore_list.txt"),
      required: r.text("IgnoreListFile") !== undefined,
    },
    pollWaitSeconds: r.integer("PollWaitSeconds", 20, 0, 20, "seconds"),
    instanceMetadataEndpoint:
      r.text("InstanceMetadataEndpoint")?.toLowerCase() === "none"
        ? undefined
        : (r.url("InstanceMetadataEndpoint") ?? "http://169.254.169.254"),
  };
  if (r.problems.length > 0) throw new ConfigError("invalid configuration", r.problems);
  return { config: Object.freeze(config), warnings };
}

function suggest(key: string): string {
  const lower = key.toLowerCase().replace(/[_-]/g, "");
  const near = CONFIG_KEYS.find((k) => k.toLowerCase().replace(/[_-]/g, "") === lower);
  return near ? ` (did you mean ${near}?)` : ` (one of ${CONFIG_KEYS.join(", ")})`;
}
