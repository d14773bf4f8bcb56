import { type DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import { type ListedObject, listingPrefix, type S3Send, unquoteEtag } from "./list-bucket.js";

/** A listed object with the version that is current at the source. */
export interface VersionedObject extends ListedObject {
  readonly versionId: string;
}

/**
 * The current version of every object under a prefix (ListObjectVersions, paginated; older
 * versions and delete markers skipped), in S3's key order, keys relative to the prefix.
 */
export async function* listLatestVersions(
  s3: S3Send,
  options: { bucket: string; prefix: string; signal?: AbortSignal | undefined },
): AsyncGenerator<VersionedObject, void, undefined> {
  const prefix = listingPrefix(options.prefix);
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: options.bucket,
        Prefix: prefix,
        KeyMarker: keyMarker,
        VersionIdMarker: versionIdMarker,
      }),
      { abortSignal: options.signal },
    );
    for (const v of page.Versions ?? []) {
      if (!v.IsLatest || v.Key === undefined) continue;
      yield {
        key: v.Key.slice(prefix.length),
        size: v.Size ?? 0,
        etag: unquoteEtag(v.ETag),
        lastModified: v.LastModified,
        versionId: v.VersionId ?? "null",
      };
    }
    if (!page.IsTruncated) return;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  }
}

/**
 * The source version the workers last copied, per source key of one bucket, from the status
 * table (a paginated Scan). Memory grows with the number of copied objects of that bucket:
 * roughly 100 bytes per object, 1 GB per 10 million; this mode is for versioned buckets of a
 * size where that is acceptable.
 */
export async function loadCopiedVersions(
  dynamodb: Pick<DynamoDBClient, "send">,
  table: string,
  srcBucket: string,
): Promise<Map<string, string>> {
  const versions = new Map<string, string>();
  let start: Record<string, never> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({
        TableName: table,
        ExclusiveStartKey: start,
        FilterExpression: "srcBucket = :b AND #s = :done AND attribute_exists(versionId)",
        ProjectionExpression: "srcKey, versionId",
        ExpressionAttributeNames: { "#s": "status" },
        ExpressionAttributeValues: { ":b": { S: srcBucket }, ":done": { S: "done" } },
      }),
    );
    for (const item of page.Items ?? []) {
      const key = item.srcKey?.S;
      const version = item.versionId?.S;
      if (key !== undefined && version !== undefined) versions.set(key, version);
    }
    start = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start !== undefined);
  return versions;
}
