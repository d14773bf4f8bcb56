/**
 * Key schema of the DynamoDB status table, shared by the worker (writes), the jobsender (version
 * compare), the operator commands, the CDK stack and the local stack.
 */
export const STATUS_TABLE = {
  /** Partition key (string): `<srcBucket>/<srcKey>`, plus `?versionId=<id>` when versions are used. */
  partitionKey: "objectId",
} as const;

/** The status table's partition key value for one source object. */
export function statusItemId(srcBucket: string, srcKey: string, versionId?: string): string {
  const base = `${srcBucket}/${srcKey}`;
  return versionId === undefined ? base : `${base}?versionId=${versionId}`;
}
