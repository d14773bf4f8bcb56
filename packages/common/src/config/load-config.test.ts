import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors.js";
import { flattenIni, loadConfig, mergeSettings } from "./load-config.js";

const LONGBOW_INI = `
[Basic]
JobType = PUT
table_queue_name = s3_migration_file_list
ssm_parameter_bucket = s3_migration_bucket_para
ssm_parameter_credentials = s3_migration_credentials
StorageClass = STANDARD
ResumableThreshold = 5
MaxRetry = 20
MaxThread = 20
MaxParallelFile = 5
JobTimeout = 3000
LoggingLevel = INFO
CleanUnfinishedUpload = False
LocalProfileMode = False

[Debug]
ChunkSize = 5
JobsenderCompareVersionId = False
UpdateVersionId = False
GetObjectWithVersionId = False
`;

function writeIni(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "s3mig-config-"));
  const path = join(dir, "config.ini");
  writeFileSync(path, text);
  return path;
}

describe("loadConfig", () => {
  it("loads a config file of the original tool unchanged", () => {
    const { config, warnings } = loadConfig(writeIni(LONGBOW_INI), { AWS_REGION: "us-west-2" });
    expect(config).toMatchObject({
      jobType: "PUT",
      maxRetry: 20,
      maxThread: 20,
      jobTimeoutSec: 3000,
      region: "us-west-2",
      bucketMapParameter: { kind: "ssm", name: "s3_migration_bucket_para" },
    });
    expect(warnings).toHaveLength(1);
  });

  it("resolves file: parameters against the ini file's folder", () => {
    const path = writeIni(
      `${LONGBOW_INI}\n[Local]\nRegion = us-east-1\n`.replace(
        "ssm_parameter_bucket = s3_migration_bucket_para",
        "ssm_parameter_bucket = file:local/buckets.json",
      ),
    );
    const { config } = loadConfig(path, {});
    expect(config.bucketMapParameter).toEqual({
      kind: "file",
      path: join(path, "..", "local", "buckets.json"),
    });
  });

  it("names the file when it cannot be read", () => {
    expect(() => loadConfig("/nonexistent/s3mig.ini", {})).toThrow(/--config: got "\/nonexistent/);
  });

  it("fails when the region is neither in the file nor in the environment", () => {
    expect(() => loadConfig(writeIni(LONGBOW_INI), {})).toThrow(ConfigError);
    expect(() => loadConfig(writeIni(LONGBOW_INI), {})).toThrow(/Region: missing/);
  });
});

describe("mergeSettings", () => {
  it("lets S3MIG_<key> override the file", () => {
    expect(mergeSettings({ MaxThread: "5" }, { S3MIG_MaxThread: "40" }).MaxThread).toBe("40");
  });

  it("uses the SDK's standard variables only where the file is silent", () => {
    const env = { AWS_REGION: "eu-west-1", AWS_ENDPOINT_URL_SQS: "http://127.0.0.1:9324" };
    expect(mergeSettings({ Region: "cn-north-1" }, env)).toEqual({
      Region: "cn-north-1",
      SqsEndpoint: "http://127.0.0.1:9324",
    });
    expect(mergeSettings({}, env).Region).toBe("eu-west-1");
  });
});

describe("flattenIni", () => {
  it("merges sections and keeps True/False as text", () => {
    expect(flattenIni("[A]\nx = 1\n[B]\ny = True\nz = true\n")).toEqual({
      x: "1",
      y: "True",
      z: "true",
    });
  });

  it("rejects a key given in two sections", () => {
    expect(() => flattenIni("[A]\nMaxThread = 1\n[B]\nMaxThread = 2\n")).toThrow(
      /MaxThread: got "2"; expected one occurrence \(again in \[B\]\)/,
    );
  });
});
