/**
 * README command 1: a complete migration on the local stack. Starts the stack if needed,
 * generates a mixed dataset in the "global" tenant (some objects already at the "china"
 * destination, some there with a wrong size), runs the real jobsender, then worker processes
 * in batch mode while showing progress, verifies every destination object against its source
 * and prints a report. Exit 0 only if the destination verifies. A second run finds nothing to do.
 *
 *   pnpm demo:run [--objects 300] [--total-size 400] [--workers 2]   (size in MiB)
 */
import { parseArgs } from "node:util";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import {
  CreateBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  createClients,
  destroyClients,
  joinKey,
  loadBucketMap,
  loadCredentials,
} from "@s3-migration/common";
import pLimit from "p-limit";
import {
  applyStackEnv,
  localConfig,
  readStackEnv,
  stack,
  stackIsUp,
} from "../support/local-stack.js";
import { provisionLocalStack } from "../support/provision.js";
import { spawnProgram, type WorkerProcess } from "../support/worker-fixture.js";
import { demoBytes, demoObjects } from "./demo-dataset.js";
import { verifyCopy } from "./verify-copy.js";

const MIB = 1024 * 1024;
const say = (line: string) => process.stdout.write(`${line}\n`);
const fail = (line: string): never => {
  process.stderr.write(`demo: ${line}\n`);
  process.exit(2);
};

const { values: args } = parseArgs({
  options: {
    objects: { type: "string", default: "300" },
    "total-size": { type: "string", default: "400" },
    workers: { type: "string", default: "2" },
  },
});
const objectCount = Number(args.objects);
const totalMiB = Number(args["total-size"]);
const workerCount = Number(args.workers);
if (!Number.isInteger(objectCount) || objectCount < 1 || objectCount > 100_000)
  fail(`--objects: got ${args.objects}; expected 1 to 100000`);
if (!Number.isFinite(totalMiB) || totalMiB < 0 || totalMiB > 4096)
  fail(`--total-size: got ${args["total-size"]}; expected 0 to 4096 (MiB)`);
if (!Number.isInteger(workerCount) || workerCount < 1 || workerCount > 8)
  fail(`--workers: got ${args.workers}; expected 1 to 8`);

const started = Date.now();
if (!stackIsUp()) {
  say("starting the local stack (Ceph RGW tenants global + china, fauxqs, dynalite)...");
  if (!stack("up")) process.exit(1);
}
await provisionLocalStack();
applyStackEnv();
const config = localConfig();
const [mapping] = await loadBucketMap(config.bucketMapParameter, undefined);
if (mapping === undefined) fail("config/local/buckets.json is empty");
const { srcBucket, srcPrefix, desBucket, desPrefix } = mapping as NonNullable<typeof mapping>;
const clients = createClients(
  config,
  await loadCredentials(config.credentialsParameter, undefined),
);
const env: Record<string, string> = {
  ...readStackEnv(),
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((err: Error) => {
    if (err.name !== "BucketAlreadyOwnedByYou" && err.name !== "BucketAlreadyExists") throw err;
  });
}

async function sizeOf(s3: S3Client, bucket: string, key: string): Promise<number | undefined> {
  try {
    return (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength;
  } catch {
    return undefined;
  }
}

/** Runs the workers in batch mode, printing progress from their "object copied" lines. */
async function runWorkers(
  expectedBytes: number,
): Promise<{ copied: number; failed: number; bytes: number }> {
  const workers: WorkerProcess[] = Array.from({ length: workerCount }, () =>
    spawnProgram(
      "worker",
      ["--config", "config/local.ini", "--until-idle", "--idle-seconds", "3"],
      env,
    ),
  );
  const t0 = Date.now();
  const tally = () => {
    const lines = workers.flatMap((w) => w.lines);
    const done = lines.filter(
      (l) => l.message === "object copied" || l.message === "object already copied",
    );
    return {
      copied: done.length,
      failed: lines.filter((l) => l.message === "object failed").length,
      bytes: done.reduce((n, l) => n + Number(l.sizeBytes ?? 0), 0),
    };
  };
  // On a terminal one line is rewritten every second; otherwise a line every 5 seconds.
  const tty = process.stdout.isTTY === true;
  const timer = setInterval(
    () => {
      const t = tally();
      const s = (Date.now() - t0) / 1000;
      const line = `  ${workerCount} workers: ${t.copied} objects, ${(t.bytes / MIB).toFixed(0)}/${(expectedBytes / MIB).toFixed(0)} MiB, ${(t.bytes / MIB / Math.max(s, 0.001)).toFixed(0)} MiB/s, ${t.failed} failed`;
      process.stdout.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
    },
    tty ? 1000 : 5000,
  );
  const codes = await Promise.all(workers.map((w) => w.exited));
  clearInterval(timer);
  if (tty) process.stdout.write("\n");
  if (codes.some((c) => c !== 0)) {
    process.stderr.write(workers.map((w) => w.text.stderr).join(""));
    fail(`a worker exited with ${codes.join(", ")}`);
  }
  return tally();
}

try {
  // 1. The dataset: source in the "global" tenant, a partly filled destination in "china".
  await ensureBucket(clients.sourceS3, srcBucket);
  await ensureBucket(clients.destinationS3, desBucket);
  const objects = demoObjects(objectCount, totalMiB * MIB);
  const totalBytes = objects.reduce((n, o) => n + o.size, 0);
  say(
    `dataset: ${objects.length} objects, ${(totalBytes / MIB).toFixed(0)} MiB, 0 B to ${(Math.max(...objects.map((o) => o.size)) / MIB).toFixed(0)} MiB, unicode keys`,
  );
  const limit = pLimit(8);
  await Promise.all(
    objects.map((o) =>
      limit(async () => {
        const srcKey = joinKey(srcPrefix, o.key);
        if ((await sizeOf(clients.sourceS3, srcBucket, srcKey)) !== o.size) {
          await clients.sourceS3.send(
            new PutObjectCommand({ Bucket: srcBucket, Key: srcKey, Body: demoBytes(o) }),
          );
        }
        const dstKey = joinKey(desPrefix, o.key);
        if (
          o.atDestination &&
          (await sizeOf(clients.destinationS3, desBucket, dstKey)) === undefined
        ) {
          const body = o.atDestination === "same" ? demoBytes(o) : Buffer.alloc(o.size + 1);
          await clients.destinationS3.send(
            new PutObjectCommand({ Bucket: desBucket, Key: dstKey, Body: body }),
          );
        }
      }),
    ),
  );
  say(
    `  source s3://${srcBucket}/${srcPrefix} (tenant global) -> destination s3://${desBucket}/${desPrefix} (tenant china)`,
  );

  // 2. The jobsender: diff both sides, one message per object to copy.
  let jobsender = spawnProgram("jobsender", ["--config", "config/local.ini"], env);
  let code = await jobsender.exited;
  if (code === 3) {
    say("  the queue still holds messages of an earlier run: letting workers finish them first");
    await runWorkers(0);
    jobsender = spawnProgram("jobsender", ["--config", "config/local.ini"], env);
    code = await jobsender.exited;
  }
  if (code !== 0) fail(`jobsender exited with ${code}:\n${jobsender.text.stderr}`);
  const finished = jobsender.lines.find((l) => l.message === "jobsender finished") ?? {};
  const jobs = Number(finished.jobsSent ?? 0);
  say(
    `jobsender: ${finished.sourceObjects} source / ${finished.destinationObjects} destination objects listed, ${jobs} jobs sent (${(Number(finished.bytesToMove ?? 0) / MIB).toFixed(0)} MiB)`,
  );

  // 3. Workers in batch mode until the queue is empty.
  const result =
    jobs > 0
      ? await runWorkers(Number(finished.bytesToMove ?? 0))
      : { copied: 0, failed: 0, bytes: 0 };
  if (jobs === 0) say("nothing to do: every source object is already at the destination");

  // 4. Verify every destination object against its source (size and MD5 of the bytes).
  const verified = await verifyCopy(clients, mapping as NonNullable<typeof mapping>);
  const status = await clients.dynamodb.send(
    new ScanCommand({ TableName: config.tableName, Select: "ALL_ATTRIBUTES" }),
  );
  const byStatus = new Map<string, number>();
  for (const item of status.Items ?? [])
    byStatus.set(item.status?.S ?? "?", (byStatus.get(item.status?.S ?? "?") ?? 0) + 1);
  const seconds = (Date.now() - started) / 1000;
  say("");
  say(
    `report: ${result.copied} objects copied, ${objects.length - jobs} already identical (skipped), ${result.failed} failed`,
  );
  say(`        ${(result.bytes / MIB).toFixed(1)} MiB moved in ${seconds.toFixed(1)} s total`);
  say(
    `        verified ${verified.ok}/${verified.total} destination objects (size and MD5 of every byte)`,
  );
  say(
    `        status table ${config.tableName} (DynamoDB at ${env.AWS_ENDPOINT_URL_DYNAMODB}): ${[...byStatus].map(([s, n]) => `${n} ${s}`).join(", ") || "empty"}`,
  );
  if (verified.bad.length > 0) {
    say(
      `NOT VERIFIED: ${verified.bad.length} objects differ, e.g. ${JSON.stringify(verified.bad.slice(0, 5))}`,
    );
    process.exitCode = 1;
  } else {
    say(
      "OK. Run it again: the jobsender finds nothing to do. Stop the stack with `pnpm local:down`.",
    );
  }
} finally {
  destroyClients(clients);
}
