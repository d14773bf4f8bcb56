import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { join } from "node:path";
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from "@aws-sdk/client-s3";
import { type AwsClients, type CopyJob, createLogger } from "@s3-migration/common";
import {
  leanPaths,
  Md5Threads,
  MemoryBudget,
  type TransferDeps,
  type TransferOptions,
  transferOptionsFromConfig,
} from "@s3-migration/worker";
import { deleteBucket } from "./cleanup.js";
import { localClients, ROOT, readStackEnv } from "./local-stack.js";

/** A fresh bucket pair (global tenant → china tenant) and the engine's deps for it. */
export interface EngineFixture {
  readonly clients: AwsClients;
  readonly srcBucket: string;
  readonly dstBucket: string;
  /** The engine's deps as the worker builds them (lean paths included unless `lean` is false). */
  readonly deps: (options?: Partial<TransferOptions>, lean?: boolean) => TransferDeps;
  /** A job copying `key` (to `dstKey`, by default the same key) from srcBucket to dstBucket. */
  readonly job: (key: string, size: number, dstKey?: string) => CopyJob;
  /** Deletes both buckets with everything in them (memstore is RAM: tests give it back). */
  readonly cleanup: () => Promise<void>;
}

export const MIB = 1024 * 1024;

export async function engineFixture(prefix: string): Promise<EngineFixture> {
  const { config, clients } = await localClients();
  const id = randomUUID().slice(0, 8);
  const srcBucket = `${prefix}-src-${id}`;
  const dstBucket = `${prefix}-dst-${id}`;
  await clients.sourceS3.send(new CreateBucketCommand({ Bucket: srcBucket }));
  await clients.destinationS3.send(new CreateBucketCommand({ Bucket: dstBucket }));
  const logger = createLogger({ service: "test", level: "error" });
  const hasher = new Md5Threads(2);
  return {
    clients,
    srcBucket,
    dstBucket,
    cleanup: async () => {
      await deleteBucket(clients.sourceS3, srcBucket);
      await deleteBucket(clients.destinationS3, dstBucket);
      await hasher.close();
    },
    job: (key, size, dstKey = key) => ({ srcBucket, srcKey: key, dstBucket, dstKey, size }),
    deps: (options = {}, lean = true) => ({
      source: clients.sourceS3,
      destination: clients.destinationS3,
      budget: new MemoryBudget(config.memoryBudgetBytes),
      options: { ...transferOptionsFromConfig(config), retryBaseDelayMs: 20, ...options },
      logger,
      // Parts hashed on threads, as the worker does.
      hasher,
      lean: lean ? leanPaths(clients.sourceS3, clients.destinationS3) : undefined,
    }),
  };
}

/** Seeded-enough random bytes. */
export function bytes(size: number): Buffer {
  return randomBytes(size);
}

export async function put(
  s3: S3Client,
  bucket: string,
  key: string,
  body: Buffer,
  extra: Partial<PutObjectCommandInput> = {},
): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...extra }));
}

export async function get(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from((await out.Body?.transformToByteArray()) ?? []);
}

/**
 * Sets a radosgw option at run time through its admin socket (e.g. a smaller
 * rgw_multipart_min_part_size so a test can make 1,000+ parts out of a few MiB).
 */
export function setRgwOption(name: string, value: string): void {
  const conf = readStackEnv().LOCAL_CEPH_CONF ?? join(ROOT, ".local", "ceph", "ceph.conf");
  const asok = join(ROOT, ".local", "ceph", "run", "ceph-client.rgw.a.asok");
  execFileSync(
    "timeout",
    ["10", "ceph", "--conf", conf, "daemon", asok, "config", "set", name, value],
    {
      stdio: "ignore",
    },
  );
}
