import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Validations } from "aws-cdk-lib";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import type { MigrationSettings } from "../lib/migration-settings.js";
import { MigrationStack } from "../lib/migration-stack.js";
import { BUCKET_MAP, FIXTURE_BUNDLE } from "./stack-fixture.js";

/** Synthesizes with the AwsSolutions pack as a validation plugin; returns the unacknowledged findings. */
function nagFindings(
  settings: MigrationSettings,
  addExtra?: (stack: MigrationStack) => void,
): string[] {
  const outdir = mkdtempSync(join(tmpdir(), "s3mig-nag-"));
  const app = new App({ outdir });
  const stack = new MigrationStack(app, "Nag", {
    settings: { bucketMapJson: BUCKET_MAP, notificationEmails: ["ops@example.com"], ...settings },
    bundleDir: FIXTURE_BUNDLE,
  });
  addExtra?.(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
    return [];
  } catch {
    const report = JSON.parse(readFileSync(join(outdir, "validation-report.json"), "utf8"));
    return JSON.stringify(report, null, 1)
      .split("\n")
      .filter((l) => l.includes("AwsSolutions-"));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe("cdk-nag AwsSolutions pack", () => {
  it("reports a finding nobody acknowledged (the pack really runs)", () => {
    // Act
    const findings = nagFindings({}, (stack) => {
      new sqs.Queue(stack, "UnencryptedExtra", { encryption: sqs.QueueEncryption.UNENCRYPTED });
    });
    // Assess
    expect(findings.join("\n")).toMatch(/AwsSolutions-SQS/);
  });

  it("has no unacknowledged finding on a PUT stack with the event bucket", () => {
    // Act
    const findings = nagFindings({
      jobType: "PUT",
      eventSource: { destinationBucket: "china-dst-a" },
    });
    // Assess
    expect(findings).toEqual([]);
  });

  it("has no unacknowledged finding with the source buckets subscribed through EventBridge", () => {
    // Act
    const findings = nagFindings({
      jobType: "PUT",
      sourceBucketEvents: "eventbridge",
      eventSource: { destinationBucket: "china-dst-a" },
    });
    // Assess
    expect(findings).toEqual([]);
  });

  it("has no unacknowledged finding with source-bucket events and only Lambda functions", () => {
    // Act
    const findings = nagFindings({
      sourceBucketEvents: "eventbridge",
      workerMode: "lambda",
      jobsenderMode: "lambda",
    });
    // Assess
    expect(findings).toEqual([]);
  });

  it("has no unacknowledged finding on a GET stack with a customer key for the credentials", () => {
    // Act
    const findings = nagFindings({
      jobType: "GET",
      credentialsKmsKeyArn:
        "arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    });
    // Assess
    expect(findings).toEqual([]);
  });

  it("has no unacknowledged finding with the Lambda worker and jobsender and the event bucket", () => {
    // Act
    const findings = nagFindings({
      workerMode: "lambda",
      jobsenderMode: "lambda",
      eventSource: { destinationBucket: "china-dst-a" },
    });
    // Assess
    expect(findings).toEqual([]);
  });

  it("has no unacknowledged finding on a hybrid GET stack on the newest Node.js runtime", () => {
    // Act
    const findings = nagFindings({
      workerMode: "hybrid",
      jobType: "GET",
      nodejsMajorVersion: 24,
      credentialsKmsKeyArn:
        "arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    });
    // Assess
    expect(findings).toEqual([]);
  });
});
