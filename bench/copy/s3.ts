/**
 * The S3 pieces the benchmark needs. `bench/` is not a workspace package, so the SDK is loaded
 * from packages/worker's dependencies (the same install the copy engine uses).
 */
import { createRequire } from "node:module";
import { forEachLimit } from "./local-clients.js";

export { forEachLimit, localClients } from "./local-clients.js";

type S3Module =
  typeof import("../../packages/worker/node_modules/@aws-sdk/client-s3/dist-types/index.js");
export type S3Client = InstanceType<S3Module["S3Client"]>;

const requireFromWorker = createRequire(
  new URL("../../packages/worker/package.json", import.meta.url),
);
export const sdk = requireFromWorker("@aws-sdk/client-s3") as S3Module;

/** One listed object. */
export interface Listed {
  readonly key: string;
  readonly size: number;
  /** Without quotes. */
  readonly etag: string;
}

/** Every page of a bucket's listing (ListObjectsV2, 1,000 keys a page). */
export async function* listPages(s3: S3Client, bucket: string): AsyncGenerator<Listed[]> {
  let token: string | undefined;
  do {
    const out = await s3.send(
      new sdk.ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
    );
    yield (out.Contents ?? []).map((o) => ({
      key: o.Key ?? "",
      size: o.Size ?? 0,
      etag: (o.ETag ?? "").replace(/"/g, ""),
    }));
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token !== undefined);
}

export async function listAll(s3: S3Client, bucket: string): Promise<Listed[]> {
  const all: Listed[] = [];
  for await (const page of listPages(s3, bucket)) all.push(...page);
  return all;
}

export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new sdk.HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await s3.send(new sdk.CreateBucketCommand({ Bucket: bucket }));
  }
}

/** Deletes every object and aborts every unfinished multipart upload in the bucket. */
export async function emptyBucket(s3: S3Client, bucket: string): Promise<void> {
  const keys = (await listAll(s3, bucket)).map((o) => o.key);
  await forEachLimit(keys, 16, async (Key) => {
    await s3.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key }));
  });
  const uploads = await s3.send(new sdk.ListMultipartUploadsCommand({ Bucket: bucket }));
  for (const u of uploads.Uploads ?? []) {
    await s3.send(
      new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }),
    );
  }
}
