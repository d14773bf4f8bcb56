import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors.js";
import type { Config } from "./config-types.js";
import { CONFIG_KEYS, parseConfig } from "./parse-config.js";

const MIB = 1024 * 1024;
const BASE = {
  table_queue_name: "s3_migration_file_list",
  ssm_parameter_bucket: "s3_migration_bucket_para",
  ssm_parameter_credentials: "file:local/credentials.json",
  Region: "us-east-1",
};

function problemsOf(raw: Record<string, string>): { key: string; value?: string | undefined }[] {
  try {
    parseConfig(raw, "/etc/s3mig");
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error("expected a ConfigError");
}

/** Per key: the field it sets, its default, and a malformed value. */
const OPTIONAL: Record<string, { field: keyof Config; dflt: unknown; bad: string }> = {
  JobType: { field: "jobType", dflt: "PUT", bad: "COPY" },
  Des_bucket_default: { field: "desBucketDefault", dflt: "", bad: "Bad_Bucket" },
  Des_prefix_default: { field: "desPrefixDefault", dflt: "", bad: "" },
  StorageClass: { field: "storageClass", dflt: "STANDARD", bad: "COLD" },
  ResumableThreshold: { field: "resumableThresholdBytes", dflt: 5 * MIB, bad: "5.5" },
  MaxRetry: { field: "maxRetry", dflt: 10, bad: "-1" },
  MaxThread: { field: "maxThread", dflt: undefined, bad: "0" },
  MaxParallelFile: { field: "maxParallelFile", dflt: undefined, bad: "many" },
  MaxConnections: { field: "maxConnections", dflt: 256, bad: "4097" },
  MaxBandwidthMBps: { field: "maxBandwidthBytesPerSec", dflt: 0, bad: "-5" },
  BucketMapRefreshSeconds: { field: "bucketMapRefreshSec", dflt: 60, bad: "0" },
  SplitThreshold: { field: "splitThresholdBytes", dflt: 10_240 * MIB, bad: "10G" },
  SplitSliceSize: { field: "splitSliceSizeBytes", dflt: 1024 * MIB, bad: "4" },
  JobTimeout: { field: "jobTimeoutSec", dflt: 43_200, bad: "1h" },
  LoggingLevel: { field: "logLevel", dflt: "info", bad: "LOUD" },
  CleanUnfinishedUpload: { field: "cleanUnfinishedUpload", dflt: false, bad: "maybe" },
  ChunkSize: { field: "chunkSizeBytes", dflt: 5 * MIB, bad: "4" },
  JobsenderCompareVersionId: { field: "jobsenderCompareVersionId", dflt: false, bad: "2" },
  UpdateVersionId: { field: "updateVersionId", dflt: false, bad: "nope" },
  GetObjectWithVersionId: { field: "getObjectWithVersionId", dflt: false, bad: "T" },
  S3ForcePathStyle: { field: "s3ForcePathStyle", dflt: false, bad: "sure" },
  ChecksumMode: { field: "checksumMode", dflt: "WHEN_REQUIRED", bad: "ALWAYS" },
  MemoryBudgetMB: { field: "memoryBudgetBytes", dflt: 2048 * MIB, bad: "2GB" },
  DestinationSse: { field: "destinationSse", dflt: "NONE", bad: "kms" },
  DestinationKmsKeyId: { field: "destinationKmsKeyId", dflt: "", bad: "alias/x" },
  CopyObjectTags: { field: "copyObjectTags", dflt: false, bad: "all" },
  PollWaitSeconds: { field: "pollWaitSeconds", dflt: 20, bad: "21" },
  JobsenderCompare: { field: "jobsenderCompare", dflt: "size", bad: "etag" },
  IgnoreListFile: {
    field: "ignoreList",
    dflt: { path: "/etc/s3mig/s3_migration_ignore_list.txt", required: false },
    bad: "",
  },
  InstanceMetadataEndpoint: {
    field: "instanceMetadataEndpoint",
    dflt: "http://169.254.169.254",
    bad: "169.254.169.254",
  },
};
const ENDPOINTS: Record<string, "s3" | "sqs" | "dynamodb" | "ssm"> = {
  S3Endpoint: "s3",
  SqsEndpoint: "sqs",
  DynamoDbEndpoint: "dynamodb",
  SsmEndpoint: "ssm",
};
const REQUIRED: Record<string, string> = {
  table_queue_name: "bad name!",
  ssm_parameter_bucket: "has space",
  ssm_parameter_credentials: "file:",
  Region: "Mars-1",
};

describe("parseConfig", () => {
  it("accepts the minimal file and fills every default", () => {
    // Prepare / Act
    const { config } = parseConfig(BASE, "/etc/s3mig");
    // Assess
    for (const { field, dflt } of Object.values(OPTIONAL)) expect(config[field]).toEqual(dflt);
    expect(config.endpoints).toEqual({
      s3: undefined,
      sqs: undefined,
      dynamodb: undefined,
      ssm: undefined,
    });
    expect(config.queueName).toBe("s3_migration_file_list");
    expect(config.tableName).toBe("s3_migration_file_list");
    expect(config.dlqName).toBe("s3_migration_file_list-DLQ");
    expect(config.bucketMapParameter).toEqual({ kind: "ssm", name: "s3_migration_bucket_para" });
    expect(config.credentialsParameter).toEqual({
      kind: "file",
      path: "/etc/s3mig/local/credentials.json",
    });
  });

  it("covers every key it knows in these tests", () => {
    const tested = [
      ...Object.keys(OPTIONAL),
      ...Object.keys(ENDPOINTS),
      ...Object.keys(REQUIRED),
    ].sort();
    expect(tested).toEqual([...CONFIG_KEYS].sort());
  });

  it.each(Object.keys(REQUIRED))("reports the required key %s as missing", (key) => {
    const raw: Record<string, string> = { ...BASE };
    delete raw[key];
    expect(problemsOf(raw)).toEqual([expect.objectContaining({ key, value: undefined })]);
  });

  it.each(Object.entries(REQUIRED))("reports the required key %s when malformed", (key, bad) => {
    expect(problemsOf({ ...BASE, [key]: bad })).toEqual([
      expect.objectContaining({ key, value: bad }),
    ]);
  });

  it.each(Object.entries(OPTIONAL).filter(([, spec]) => spec.bad !== ""))(
    "reports the optional key %s when malformed",
    (key, { bad }) => {
      expect(problemsOf({ ...BASE, [key]: bad })).toEqual([
        expect.objectContaining({ key, value: bad }),
      ]);
    },
  );

  it.each(Object.entries(ENDPOINTS))("reads %s as a URL and rejects a non-URL", (key, field) => {
    const { config } = parseConfig({ ...BASE, [key]: "http://127.0.0.1:7480" }, "/");
    expect(config.endpoints[field]).toBe("http://127.0.0.1:7480");
    expect(problemsOf({ ...BASE, [key]: "127.0.0.1:7480" })).toEqual([
      expect.objectContaining({ key, value: "127.0.0.1:7480" }),
    ]);
  });

  it("converts units and accepts the original tool's spellings", () => {
    const { config } = parseConfig(
      {
        ...BASE,
        JobType: "get",
        ResumableThreshold: "0",
        ChunkSize: "16",
        LoggingLevel: "WARNING",
        CleanUnfinishedUpload: "True",
        StorageClass: "intelligent_tiering",
      },
      "/",
    );
    expect(config).toMatchObject({
      jobType: "GET",
      resumableThresholdBytes: 0,
      chunkSizeBytes: 16 * MIB,
      logLevel: "warn",
      cleanUnfinishedUpload: true,
      storageClass: "INTELLIGENT_TIERING",
    });
  });

  it("lists every problem at once, each with key, value and expectation", () => {
    // Prepare
    const raw = { Region: "us-east-1", MaxThread: "0", ChunkSize: "x" };
    // Act
    let error: ConfigError | undefined;
    try {
      parseConfig(raw, "/");
    } catch (err) {
      error = err as ConfigError;
    }
    // Assess
    expect(error?.problems.map((p) => p.key).sort()).toEqual(
      [
        "ChunkSize",
        "MaxThread",
        "ssm_parameter_bucket",
        "ssm_parameter_credentials",
        "table_queue_name",
      ].sort(),
    );
    expect(error?.message).toContain('MaxThread: got "0"; expected an integer from 1 to 1000');
    expect(error?.message).toContain("table_queue_name: missing; expected");
  });

  it("rejects an unknown key and suggests the near match", () => {
    const problems = problemsOf({ ...BASE, maxthread: "5" });
    expect(problems).toEqual([expect.objectContaining({ key: "maxthread" })]);
    expect(JSON.stringify(problems)).toContain("did you mean MaxThread?");
  });

  it("warns about, but accepts, keys of the original tool that mean nothing here", () => {
    const { warnings } = parseConfig({ ...BASE, LocalProfileMode: "False" }, "/");
    expect(warnings).toEqual([expect.stringContaining("LocalProfileMode")]);
  });

  it("caps a JobTimeout above SQS's 12 hours per receive to 43200 s, with a warning", () => {
    // Act
    const capped = parseConfig({ ...BASE, JobTimeout: "86400" }, "/");
    const atBound = parseConfig({ ...BASE, JobTimeout: "43200" }, "/");
    // Assess
    expect(capped.config.jobTimeoutSec).toBe(43_200);
    expect(capped.warnings).toEqual([
      expect.stringMatching(/JobTimeout = 86400 is above 43200 s.*12 hours.*43200 is used/),
    ]);
    expect(atBound.config.jobTimeoutSec).toBe(43_200);
    expect(atBound.warnings).toEqual([]);
  });

  it("turns the instance metadata watcher off with none", () => {
    const { config } = parseConfig({ ...BASE, InstanceMetadataEndpoint: "none" }, "/");
    expect(config.instanceMetadataEndpoint).toBeUndefined();
  });

  it("accepts a KMS key with aws:kms encryption", () => {
    const { config } = parseConfig(
      { ...BASE, DestinationSse: "aws:kms", DestinationKmsKeyId: "alias/migration" },
      "/",
    );
    expect(config).toMatchObject({
      destinationSse: "aws:kms",
      destinationKmsKeyId: "alias/migration",
    });
  });

  it("refuses a memory budget smaller than one part", () => {
    expect(problemsOf({ ...BASE, ChunkSize: "64", MemoryBudgetMB: "32" })).toEqual([
      expect.objectContaining({ key: "MemoryBudgetMB", value: "32" }),
    ]);
  });

  it("refuses a slice smaller than one part", () => {
    expect(problemsOf({ ...BASE, ChunkSize: "64", SplitSliceSize: "32" })).toEqual([
      expect.objectContaining({ key: "SplitSliceSize", value: "32" }),
    ]);
  });

  it("reads env: parameter references and refuses a bad variable name", () => {
    const { config } = parseConfig(
      { ...BASE, ssm_parameter_credentials: "env:S3MIG_CREDENTIALS" },
      "/",
    );
    expect(config.credentialsParameter).toEqual({ kind: "env", variable: "S3MIG_CREDENTIALS" });
    expect(problemsOf({ ...BASE, ssm_parameter_credentials: "env:1BAD" })).toEqual([
      expect.objectContaining({ key: "ssm_parameter_credentials", value: "env:1BAD" }),
    ]);
  });
});
