import { createHash } from "node:crypto";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { AwsClients, BucketMapping } from "@s3-migration/common";
import pLimit from "p-limit";

/** Every source object's key (relative to the prefix) and size. */
async function listSizes(
  s3: S3Client,
  bucket: string,
  prefix: string,
): Promise<Map<string, number>> {
  const p = prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
  const sizes = new Map<string, number>();
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: p, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) sizes.set((o.Key ?? "").slice(p.length), o.Size ?? 0);
    token = page.NextContinuationToken;
  } while (token);
  return sizes;
}

async function md5Of(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const hash = createHash("md5");
    for await (const chunk of out.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
    return hash.digest("hex");
  } catch {
    return undefined;
  }
}

/**
 * Compares every source object with its destination copy: same size, and the same MD5 of
 * the bytes, read from both sides (not trusted from ETags).
 */
export async function verifyCopy(
  clients: AwsClients,
  m: BucketMapping,
): Promise<{ ok: number; total: number; bad: string[] }> {
  const src = await listSizes(clients.sourceS3, m.srcBucket, m.srcPrefix);
  const dst = await listSizes(clients.destinationS3, m.desBucket, m.desPrefix);
  const sp = m.srcPrefix === "" || m.srcPrefix.endsWith("/") ? m.srcPrefix : `${m.srcPrefix}/`;
  const dp = m.desPrefix === "" || m.desPrefix.endsWith("/") ? m.desPrefix : `${m.desPrefix}/`;
  const limit = pLimit(8);
  const bad: string[] = [];
  await Promise.all(
    [...src].map(([key, size]) =>
      limit(async () => {
        if (dst.get(key) !== size) return void bad.push(key);
        const [a, b] = await Promise.all([
          md5Of(clients.sourceS3, m.srcBucket, sp + key),
          md5Of(clients.destinationS3, m.desBucket, dp + key),
        ]);
        if (a === undefined || a !== b) bad.push(key);
      }),
    ),
  );
  return { ok: src.size - bad.length, total: src.size, bad };
}
