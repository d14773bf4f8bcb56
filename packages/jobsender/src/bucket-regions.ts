import { HeadBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { type BucketMapping, ConfigError, type ConfigProblem } from "@s3-migration/common";

/** The role-side buckets of a bucket map and the client that reaches them. */
export interface RoleSide {
  /** `source` for JobType=PUT (the fleet reads), `destination` for GET (it writes). */
  readonly side: "source" | "destination";
  readonly s3: Pick<S3Client, "send">;
  /** The fleet's region (`Region`). */
  readonly region: string;
}

/**
 * Stops the run before anything is listed or sent when a bucket on the fleet's side (reached
 * with the instance role) lives in another region than the fleet: S3 would answer every
 * request with a 301, and the run would fail half-way with an error that does not say why.
 * The region comes from HeadBucket (its answer, or the 301's `x-amz-bucket-region` header); a
 * bucket whose region S3 does not state (S3-compatible servers) or that cannot be read (the
 * listing reports that) passes.
 */
export async function checkRoleSideRegions(
  mappings: readonly BucketMapping[],
  role: RoleSide,
): Promise<void> {
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const [i, m] of mappings.entries()) {
    const bucket = role.side === "source" ? m.srcBucket : m.desBucket;
    if (seen.has(bucket)) continue;
    seen.add(bucket);
    const region = await bucketRegion(role.s3, bucket);
    if (region === undefined || region === role.region) continue;
    problems.push({
      key: `bucket map[${i}].${role.side === "source" ? "src_bucket" : "des_bucket"}`,
      value: bucket,
      expected:
        `a bucket in ${role.region}, the fleet's Region (S3 says it is in ${region}): ` +
        "deploy the stack in the region of the buckets it reaches with its instance role (docs/DEPLOY.md)",
    });
  }
  if (problems.length > 0) throw new ConfigError("bucket map", problems);
}

/** The bucket's region as S3 states it, or `undefined`. */
async function bucketRegion(s3: Pick<S3Client, "send">, bucket: string) {
  try {
    const out = await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return out.BucketRegion || undefined;
  } catch (err) {
    const answer = err as { $metadata?: { httpStatusCode?: number }; $response?: unknown };
    if (answer.$metadata?.httpStatusCode !== 301) return undefined;
    const headers = (answer.$response as { headers?: Record<string, string> } | undefined)?.headers;
    return headers?.["x-amz-bucket-region"] || undefined;
  }
}
