import { type DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { type BucketMapping, STATUS_TABLE, statusItemId } from "@s3-migration/common";
import { listingPrefix } from "../list-bucket.js";
import type { StaleUpload } from "./stale-uploads.js";

/** The narrow DynamoDB surface of the lookup. */
export type DynamoSend = Pick<DynamoDBClient, "send">;

/**
 * The source objects whose copy could have written into `upload`: every bucket-map entry
 * whose destination holds the key maps it back to one source key (the inverse of the
 * jobsender's `destination prefix + key relative to the source prefix`).
 */
export function sourcesOf(
  upload: Pick<StaleUpload, "bucket" | "key">,
  mappings: readonly BucketMapping[],
): { srcBucket: string; srcKey: string }[] {
  return mappings
    .filter((m) => m.desBucket === upload.bucket)
    .filter((m) => upload.key.startsWith(listingPrefix(m.desPrefix)))
    .map((m) => ({
      srcBucket: m.srcBucket,
      srcKey: listingPrefix(m.srcPrefix) + upload.key.slice(listingPrefix(m.desPrefix).length),
    }));
}

/**
 * True when a status item binds `upload` to its copy (the upload ledger: `uploadId` and the
 * source version it holds): a copy in progress, or one that resumes it on its next delivery.
 * Items keyed by source version (`GetObjectWithVersionId`) cannot be found from the upload's
 * key alone and count as not bound.
 */
export async function isBound(
  db: DynamoSend,
  tableName: string,
  upload: StaleUpload,
  mappings: readonly BucketMapping[],
  signal?: AbortSignal,
): Promise<boolean> {
  for (const { srcBucket, srcKey } of sourcesOf(upload, mappings)) {
    const out = await db.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { [STATUS_TABLE.partitionKey]: { S: statusItemId(srcBucket, srcKey) } },
        ConsistentRead: true,
        ProjectionExpression: "uploadId, uploadSourceEtag",
      }),
      { abortSignal: signal },
    );
    const item = out.Item;
    if (item?.uploadId?.S === upload.uploadId && item.uploadSourceEtag?.S !== undefined) {
      return true;
    }
  }
  return false;
}
