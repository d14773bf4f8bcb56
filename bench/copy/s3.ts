/**
 * The S3 pieces the benchmark needs. `bench/` is not a workspace package, so the SDK is loaded
 * from packages/worker's dependencies (the same install the copy engine uses).
 */
import { createRequire } from "node:module";
import {
  type AwsClients,
  type Config,
  createClients,
  loadCredentials,
} from "../../packages/common/src/index.js";
import { applyStackEnv, localConfig } from "../../test/support/local-stack.js";

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

/** The local config (config/local.ini + .local/stack.env) with ini-key overrides, and clients. */
export async function localClients(
  overrides: Record<string, string> = {},
): Promise<{ config: Config; clients: AwsClients }> {
  applyStackEnv();
  const config = localConfig(overrides);
  const clients = createClients(
    config,
    await loadCredentials(config.credentialsParameter, undefined),
  );
  return { config, clients };
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

/** Runs `fn` over `items`, `concurrency` at a time. */
export async function forEachLimit<T>(
  items: Iterable<T> | AsyncIterable<T>,
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const it = (Symbol.asyncIterator in items ? items : toAsync(items))[Symbol.asyncIterator]();
  const lane = async (): Promise<void> => {
    for (let next = await it.next(); !next.done; next = await it.next()) await fn(next.value);
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
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
