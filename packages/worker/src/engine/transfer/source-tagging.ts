import { GetObjectTaggingCommand } from "@aws-sdk/client-s3";
import type { CopyJob } from "@s3-migration/common";
import type { S3Send } from "./s3-send.js";
import type { SourceObject } from "./source-object.js";

/** The source's tags as a `Tagging` header value, when tags are copied. */
export async function sourceTagging(
  s3: S3Send,
  job: CopyJob,
  source: SourceObject,
  copyTags: boolean,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  if (!copyTags) return undefined;
  const out = await s3.send(
    new GetObjectTaggingCommand({
      Bucket: job.srcBucket,
      Key: job.srcKey,
      VersionId: source.versionId,
    }),
    { abortSignal: signal },
  );
  const tags = out.TagSet ?? [];
  if (tags.length === 0) return undefined;
  // Percent-encoded, never form-encoded: URLSearchParams writes a space as `+`, which S3
  // implementations keep as a literal `+` (Ceph does).
  return tags
    .map((t) => `${encodeURIComponent(t.Key ?? "")}=${encodeURIComponent(t.Value ?? "")}`)
    .join("&");
}
