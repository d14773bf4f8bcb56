/**
 * README command 1 (foundation stage): starts the local stack, generates objects in the
 * "global" tenant, sends one job per missing object through the SQS queue, copies each job
 * from the "global" to the "china" tenant (single GET + PUT with Content-MD5), then verifies
 * every destination object against its source. Exit 0 only if all verify.
 *
 * The multipart transfer engine, the worker service and the streaming jobsender replace the
 * simple copy and diff below in their own issues.
 */

import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from "@aws-sdk/client-sqs";
import {
  type CopyJob,
  createClients,
  destroyClients,
  formatJobMessage,
  joinKey,
  loadBucketMap,
  loadCredentials,
  parseJobMessage,
} from "@s3-migration/common";
import { applyStackEnv, localConfig, stack, stackIsUp } from "../support/local-stack.js";
import { provisionLocalStack } from "../support/provision.js";

const { values: args } = parseArgs({
  options: { objects: { type: "string", default: "40" } },
});
const objectCount = Number(args.objects);
if (!Number.isInteger(objectCount) || objectCount < 1 || objectCount > 10_000) {
  process.stderr.write(`--objects: got ${args.objects}; expected an integer from 1 to 10000\n`);
  process.exit(2);
}

const say = (line: string) => process.stdout.write(`${line}\n`);
const started = Date.now();

if (!stackIsUp()) {
  say("starting the local stack (Ceph RGW tenants global + china, fauxqs, dynalite)...");
  if (!stack("up")) process.exit(1);
}
await provisionLocalStack();
applyStackEnv();
const config = localConfig();
const [mapping] = await loadBucketMap(config.bucketMapParameter, undefined);
if (mapping === undefined) throw new Error("empty bucket map");
const clients = createClients(
  config,
  await loadCredentials(config.credentialsParameter, undefined),
);
const { sourceS3, destinationS3, sqs } = clients;

/** Deterministic content: the same run always generates the same bytes. */
function content(i: number): Buffer {
  const size = i % 7 === 0 ? 0 : Math.min(config.resumableThresholdBytes, 137 * i * i + 1);
  const out = Buffer.alloc(size);
  let x = (i + 1) * 2654435761;
  for (let j = 0; j < size; j++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[j] = x >>> 24;
  }
  return out;
}
const KEY_SHAPES = [
  "logs/2026/11/{i}.log",
  "中文目录/文件 {i}.bin",
  "emoji 😀/{i}+plus.dat",
  "odd%25/{i}/",
];
const keyOf = (i: number) => (KEY_SHAPES[i % KEY_SHAPES.length] ?? "").replace("{i}", String(i));

async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((err: Error) => {
    if (err.name !== "BucketAlreadyOwnedByYou" && err.name !== "BucketAlreadyExists") throw err;
  });
}

async function listSizes(
  s3: S3Client,
  bucket: string,
  prefix: string,
): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) sizes.set((o.Key ?? "").slice(prefix.length), o.Size ?? 0);
    token = page.NextContinuationToken;
  } while (token);
  return sizes;
}

async function read(s3: S3Client, bucket: string, key: string) {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return { body: Buffer.from((await out.Body?.transformToByteArray()) ?? []), out };
}

async function copy(job: CopyJob): Promise<number> {
  const { body, out } = await read(sourceS3, job.srcBucket, job.srcKey);
  await destinationS3.send(
    new PutObjectCommand({
      Bucket: job.dstBucket,
      Key: job.dstKey,
      Body: body,
      ContentMD5: createHash("md5").update(body).digest("base64"),
      ContentType: out.ContentType,
      Metadata: out.Metadata,
      StorageClass: config.storageClass,
    }),
  );
  return body.length;
}

try {
  // 1. Source data in the "global" tenant, an empty destination in the "china" tenant.
  await ensureBucket(sourceS3, mapping.srcBucket);
  await ensureBucket(destinationS3, mapping.desBucket);
  const existing = await listSizes(sourceS3, mapping.srcBucket, mapping.srcPrefix);
  for (let i = 0; i < objectCount; i++) {
    const key = keyOf(i);
    const body = content(i);
    if (existing.get(key) === body.length) continue;
    await sourceS3.send(
      new PutObjectCommand({
        Bucket: mapping.srcBucket,
        Key: joinKey(mapping.srcPrefix, key),
        Body: body,
      }),
    );
  }
  say(
    `source s3://${mapping.srcBucket}/${mapping.srcPrefix} (tenant global): ${objectCount} objects`,
  );

  // 2. Diff by key and size, one job per missing or different object.
  const src = await listSizes(sourceS3, mapping.srcBucket, mapping.srcPrefix);
  const dst = await listSizes(destinationS3, mapping.desBucket, mapping.desPrefix);
  const jobs: CopyJob[] = [...src]
    .filter(([key, size]) => dst.get(key) !== size)
    .map(([key, size]) => ({
      srcBucket: mapping.srcBucket,
      srcKey: mapping.srcPrefix + key,
      dstBucket: mapping.desBucket,
      dstKey: mapping.desPrefix + key,
      size,
    }));
  if (jobs.length === 0) say("nothing to copy: every source object is already at the destination");

  // 3. Through the queue: send, receive, copy, delete.
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: config.queueName }));
  for (let i = 0; i < jobs.length; i += 10) {
    const entries = jobs
      .slice(i, i + 10)
      .map((job, n) => ({ Id: String(n), MessageBody: formatJobMessage(job) }));
    const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries }));
    if ((sent.Failed ?? []).length > 0)
      throw new Error(`SendMessageBatch failed: ${JSON.stringify(sent.Failed)}`);
  }
  let copied = 0;
  let bytes = 0;
  while (copied < jobs.length) {
    const got = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }),
    );
    if ((got.Messages ?? []).length === 0)
      throw new Error(`queue ran dry after ${copied} of ${jobs.length} jobs`);
    for (const message of got.Messages ?? []) {
      const parsed = parseJobMessage(message.Body ?? "", config);
      for (const job of parsed.kind === "jobs" ? parsed.jobs : []) {
        bytes += await copy(job);
        copied++;
      }
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }

  // 4. Verify every destination object against its source.
  let verified = 0;
  const bad: string[] = [];
  for (const key of src.keys()) {
    const a = await read(sourceS3, mapping.srcBucket, mapping.srcPrefix + key);
    const b = await read(destinationS3, mapping.desBucket, mapping.desPrefix + key).catch(
      () => undefined,
    );
    if (b !== undefined && a.body.equals(b.body)) verified++;
    else bad.push(key);
  }
  const seconds = (Date.now() - started) / 1000;
  say(
    `copied ${copied} objects (${(bytes / 1048576).toFixed(1)} MiB) global -> china through queue ${config.queueName}`,
  );
  say(
    `verified ${verified}/${src.size} destination objects byte for byte in ${seconds.toFixed(1)} s`,
  );
  if (bad.length > 0) {
    say(`NOT VERIFIED: ${bad.length} objects differ, e.g. ${JSON.stringify(bad.slice(0, 5))}`);
    process.exitCode = 1;
  } else {
    say("OK. Run it again: it finds nothing to copy. Stop the stack with `pnpm local:down`.");
  }
} finally {
  destroyClients(clients);
}
