import type { BucketMapping, JobType } from "@s3-migration/common";
import { Aws } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";

/** A bucket and the key prefix the role may touch in it. */
export interface BucketScope {
  readonly bucket: string;
  readonly prefix: string;
}

/**
 * The buckets on the instance role's side: the sources for PUT (the fleet runs in the source's
 * partition), the destinations for GET. The other side is reached with the stored access key and
 * needs no IAM grant here.
 */
export function roleSideScopes(jobType: JobType, map: readonly BucketMapping[]): BucketScope[] {
  const scopes = map.map((m) =>
    jobType === "PUT"
      ? { bucket: m.srcBucket, prefix: m.srcPrefix }
      : { bucket: m.desBucket, prefix: m.desPrefix },
  );
  const seen = new Set<string>();
  return scopes.filter((s) => {
    const key = `${s.bucket}/${s.prefix}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const bucketArn = (s: BucketScope): string => `arn:${Aws.PARTITION}:s3:::${s.bucket}`;
const objectsArn = (s: BucketScope): string => `arn:${Aws.PARTITION}:s3:::${s.bucket}/${s.prefix}*`;
const unique = (xs: string[]): string[] => [...new Set(xs)];

/** Worker, PUT: read source objects (any version, tags for `CopyObjectTags`); see WORKER_WRITE_BUCKET_ACTIONS for ListBucket. */
export const WORKER_READ_ACTIONS = [
  "s3:GetObject",
  "s3:GetObjectVersion",
  "s3:GetObjectTagging",
  "s3:GetObjectVersionTagging",
];
/** Worker, GET: write destination objects, multipart included (resume lists parts; a corrupt result is deleted). */
export const WORKER_WRITE_ACTIONS = [
  "s3:PutObject",
  "s3:GetObject",
  "s3:PutObjectTagging",
  "s3:AbortMultipartUpload",
  "s3:ListMultipartUploadParts",
  "s3:DeleteObject",
];
/**
 * Bucket-level actions of the worker in GET mode (ListMultipartUploads for resume). The worker
 * never lists objects: `s3:ListBucket` (here and in PUT mode) only makes S3 answer 404 rather
 * than 403 for a missing key, so a failure record names NoSuchKey instead of AccessDenied. It has
 * no `s3:prefix` condition: a GET/HEAD carries no prefix, so a condition on it would turn those
 * 404s back into 403s.
 */
export const WORKER_WRITE_BUCKET_ACTIONS = [
  "s3:ListBucket",
  "s3:ListBucketMultipartUploads",
  "s3:GetBucketLocation",
];
/** Jobsender: list the role side (and its versions for `JobsenderCompareVersionId`), per prefix. */
export const LIST_ACTIONS = ["s3:ListBucket", "s3:ListBucketVersions"];

/** The worker's S3 statements on its role side, by job type. */
export function workerS3Statements(
  jobType: JobType,
  scopes: readonly BucketScope[],
): iam.PolicyStatement[] {
  if (scopes.length === 0) return [];
  const buckets = unique(scopes.map(bucketArn));
  const objects = unique(scopes.map(objectsArn));
  if (jobType === "PUT") {
    return [
      new iam.PolicyStatement({
        sid: "ReadSourceObjects",
        actions: WORKER_READ_ACTIONS,
        resources: objects,
      }),
      new iam.PolicyStatement({
        sid: "ListSourceBuckets",
        actions: ["s3:ListBucket", "s3:GetBucketLocation"],
        resources: buckets,
      }),
    ];
  }
  return [
    new iam.PolicyStatement({
      sid: "WriteDestinationObjects",
      actions: WORKER_WRITE_ACTIONS,
      resources: objects,
    }),
    new iam.PolicyStatement({
      sid: "DestinationBucketMultipart",
      actions: WORKER_WRITE_BUCKET_ACTIONS,
      resources: buckets,
    }),
  ];
}

/**
 * The `s3:prefix` patterns each role-side bucket may be listed with: `<prefix>*` per bucket-map
 * prefix (the jobsender lists with the map's prefix, or below it), or `undefined` when an entry
 * maps the whole bucket (empty prefix: a listing without a prefix, so no condition).
 */
export function listPrefixPatterns(
  scopes: readonly BucketScope[],
): Map<string, string[] | undefined> {
  const patterns = new Map<string, string[] | undefined>();
  for (const { bucket, prefix } of scopes) {
    const known = patterns.has(bucket) ? patterns.get(bucket) : [];
    patterns.set(
      bucket,
      prefix === "" || known === undefined ? undefined : [...known, `${prefix}*`],
    );
  }
  return patterns;
}

/**
 * The jobsender's S3 statements: list each role-side bucket only under its bucket-map prefixes
 * (`s3:prefix` condition; none for a bucket mapped whole), and read the buckets' locations.
 */
export function jobsenderS3Statements(scopes: readonly BucketScope[]): iam.PolicyStatement[] {
  if (scopes.length === 0) return [];
  const whole: string[] = [];
  const statements: iam.PolicyStatement[] = [];
  for (const [bucket, patterns] of listPrefixPatterns(scopes)) {
    const resource = bucketArn({ bucket, prefix: "" });
    if (patterns === undefined) {
      whole.push(resource);
      continue;
    }
    statements.push(
      new iam.PolicyStatement({
        sid: `ListRoleSidePrefixes${statements.length}`,
        actions: LIST_ACTIONS,
        resources: [resource],
        conditions: { StringLike: { "s3:prefix": unique(patterns) } },
      }),
    );
  }
  if (whole.length > 0)
    statements.push(
      new iam.PolicyStatement({
        sid: "ListRoleSideBuckets",
        actions: LIST_ACTIONS,
        resources: whole,
      }),
    );
  statements.push(
    new iam.PolicyStatement({
      sid: "RoleSideBucketLocation",
      actions: ["s3:GetBucketLocation"],
      resources: unique(scopes.map(bucketArn)),
    }),
  );
  return statements;
}

/** Use of customer KMS keys of role-side buckets (SSE-KMS): decrypt to read, generate to write. */
export function bucketKmsStatements(
  jobType: JobType,
  keyArns: readonly string[],
): iam.PolicyStatement[] {
  if (keyArns.length === 0) return [];
  const actions = jobType === "PUT" ? ["kms:Decrypt"] : ["kms:Decrypt", "kms:GenerateDataKey"];
  return [new iam.PolicyStatement({ sid: "RoleSideBucketKeys", actions, resources: [...keyArns] })];
}
