import { Aws } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type * as iam from "aws-cdk-lib/aws-iam";
import { describe, expect, it } from "vitest";
import type { MigrationStack } from "../lib/migration-stack.js";
import { type EvalStatement, isAllowed, roleStatements } from "./policy-eval.js";
import { buildStack, fleetOf } from "./stack-fixture.js";

/** Buckets mapped under prefixes (one without its slash), whole, and both. */
const MAP = JSON.stringify([
  { src_bucket: "src-whole", src_prefix: "", des_bucket: "dst-in", des_prefix: "in/" },
  { src_bucket: "src-logs", src_prefix: "logs/", des_bucket: "dst-logs", des_prefix: "" },
  { src_bucket: "src-logs", src_prefix: "audit", des_bucket: "dst-audit", des_prefix: "" },
  { src_bucket: "src-mixed", src_prefix: "x/", des_bucket: "dst-in", des_prefix: "out/" },
  { src_bucket: "src-mixed", src_prefix: "", des_bucket: "dst-whole", des_prefix: "" },
]);

/** The `Prefix` the jobsender lists with: packages/jobsender/src/list-bucket.ts `listingPrefix`. */
const listingPrefix = (p: string): string => (p === "" || p.endsWith("/") ? p : `${p}/`);

/** May `role` call `action` on `bucket` with this `Prefix` (undefined: none, as a GET/HEAD)? */
function lister(stack: MigrationStack, role: iam.IRole) {
  const statements: EvalStatement[] = roleStatements(Template.fromStack(stack), stack, role);
  return (action: string, bucket: string, prefix: string | undefined): boolean =>
    isAllowed(statements, {
      action,
      resource: stack.resolve(`arn:${Aws.PARTITION}:s3:::${bucket}`),
      context: prefix === undefined ? {} : { "s3:prefix": prefix },
    });
}

describe("bucket listing scoped to the bucket map's prefixes (PUT: the sources)", () => {
  const stack = buildStack({ jobType: "PUT", bucketMapJson: MAP });
  const jobsender = lister(stack, stack.jobsender?.role as iam.IRole);
  const worker = lister(stack, fleetOf(stack).role);
  const listActions = ["s3:ListBucket", "s3:ListBucketVersions"];

  it("lets the jobsender list each entry's prefix and below, as it sends them", () => {
    for (const action of listActions) {
      for (const prefix of ["logs/", "logs/2024/", "audit/", "audit/q1/"]) {
        expect(jobsender(action, "src-logs", prefix), `${action} ${prefix}`).toBe(true);
      }
      expect(jobsender(action, "src-logs", listingPrefix("audit"))).toBe(true);
      expect(jobsender(action, "src-whole", undefined), action).toBe(true);
      expect(jobsender(action, "src-mixed", undefined), action).toBe(true);
    }
  });

  it("refuses the jobsender a listing outside those prefixes, or of the whole prefixed bucket", () => {
    for (const action of listActions) {
      for (const prefix of [undefined, "", "other/", "log", "Logs/"]) {
        expect(jobsender(action, "src-logs", prefix), `${action} ${prefix}`).toBe(false);
      }
      expect(jobsender(action, "dst-in", undefined), `${action} other side`).toBe(false);
    }
  });

  it("lets both roles read the locations, and the worker keep ListBucket for 404s on GET/HEAD", () => {
    for (const bucket of ["src-whole", "src-logs", "src-mixed"]) {
      expect(jobsender("s3:GetBucketLocation", bucket, undefined), bucket).toBe(true);
      // A GET/HEAD of a missing key carries no prefix: S3 answers 404 only with ListBucket.
      expect(worker("s3:ListBucket", bucket, undefined), bucket).toBe(true);
    }
  });
});

describe("bucket listing scoped to the bucket map's prefixes (GET: the destinations)", () => {
  const stack = buildStack({ jobType: "GET", bucketMapJson: MAP });
  const jobsender = lister(stack, stack.jobsender?.role as iam.IRole);
  const worker = lister(stack, fleetOf(stack).role);

  it("lets the jobsender list dst-in under in/ and out/ only, and the buckets mapped whole", () => {
    expect(jobsender("s3:ListBucket", "dst-in", "in/")).toBe(true);
    expect(jobsender("s3:ListBucketVersions", "dst-in", "out/sub/")).toBe(true);
    expect(jobsender("s3:ListBucket", "dst-in", undefined)).toBe(false);
    expect(jobsender("s3:ListBucket", "dst-in", "elsewhere/")).toBe(false);
    for (const bucket of ["dst-logs", "dst-audit", "dst-whole"]) {
      expect(jobsender("s3:ListBucket", bucket, undefined), bucket).toBe(true);
    }
  });

  it("keeps the worker's resume listings (multipart uploads) on every destination bucket", () => {
    for (const bucket of ["dst-in", "dst-logs", "dst-whole"]) {
      expect(worker("s3:ListBucketMultipartUploads", bucket, "in/key.bin"), bucket).toBe(true);
      expect(worker("s3:ListBucket", bucket, undefined), bucket).toBe(true);
    }
  });
});
