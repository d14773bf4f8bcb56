import { ConfigError } from "../errors.js";
import {
  readCopyLimits,
  readDestinationEncryption,
  readEndpoints,
  readIgnoreList,
  readInstanceMetadataEndpoint,
  readJobTypeAndNames,
  readLogLevel,
  readPartAndMemorySizes,
  readRegion,
  readVersionIdFlags,
} from "./config-sections.js";
import type { ChecksumMode, Config } from "./config-types.js";
import { FieldReader } from "./field-parsers.js";

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
  "MaxConnections",
  "MaxBandwidthMBps",
  "SplitThreshold",
  "SplitSliceSize",
  "BucketMapRefreshSeconds",
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
  const warnings = checkKeysKnown(r, raw);
  // Read in this order: it is the order of the problems listed in the ConfigError.
  const names = readJobTypeAndNames(r, baseDir);
  const sizes = readPartAndMemorySizes(r);
  const logLevel = readLogLevel(r);
  const region = readRegion(r);
  const encryption = readDestinationEncryption(r);
  const config: Config = {
    ...names,
    ...readCopyLimits(r, warnings),
    logLevel,
    cleanUnfinishedUpload: r.boolean("CleanUnfinishedUpload", false),
    chunkSizeBytes: sizes.chunkSizeBytes,
    ...readVersionIdFlags(r),
    region,
    endpoints: readEndpoints(r),
    s3ForcePathStyle: r.boolean("S3ForcePathStyle", false),
    bucketMapRefreshSec: r.integer("BucketMapRefreshSeconds", 60, 1, 86_400, "seconds"),
    checksumMode: r.oneOf<ChecksumMode>(
      "ChecksumMode",
      ["WHEN_REQUIRED", "WHEN_SUPPORTED"],
      "WHEN_REQUIRED",
    ),
    memoryBudgetBytes: sizes.memoryBudgetBytes,
    splitThresholdBytes: sizes.splitThresholdBytes,
    splitSliceSizeBytes: sizes.splitSliceSizeBytes,
    ...encryption,
    copyObjectTags: r.boolean("CopyObjectTags", false),
    jobsenderCompare: r.oneOf<"size" | "size+etag">(
      "JobsenderCompare",
      ["size", "size+etag"],
      "size",
    ),
    ignoreList: readIgnoreList(r, baseDir),
    pollWaitSeconds: r.integer("PollWaitSeconds", 20, 0, 20, "seconds"),
    instanceMetadataEndpoint: readInstanceMetadataEndpoint(r),
  };
  if (r.problems.length > 0) throw new ConfigError("invalid configuration", r.problems);
  return { config: Object.freeze(config), warnings };
}

/**
 * Records every unknown key as a problem (a typo must not pass silently) and returns a warning
 * for each legacy key that is accepted but ignored.
 */
function checkKeysKnown(r: FieldReader, raw: Readonly<Record<string, string>>): string[] {
  const warnings: string[] = [];
  for (const key of Object.keys(raw)) {
    if ((CONFIG_KEYS as readonly string[]).includes(key)) continue;
    if (IGNORED_LEGACY_KEYS.includes(key)) {
      warnings.push(`config key ${key} is not used by this tool and was ignored`);
      continue;
    }
    r.problem(key, raw[key], `a known key${suggest(key)}`);
  }
  return warnings;
}

function suggest(key: string): string {
  const lower = key.toLowerCase().replace(/[_-]/g, "");
  const near = CONFIG_KEYS.find((k) => k.toLowerCase().replace(/[_-]/g, "") === lower);
  return near ? ` (did you mean ${near}?)` : ` (one of ${CONFIG_KEYS.join(", ")})`;
}
