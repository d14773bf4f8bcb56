import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { DeleteObjectCommand, GetObjectCommand } from "@aws-sdk/client-s3";
import type { Message } from "@aws-sdk/client-sqs";
import {
  type CopyJob,
  createLogger,
  destroyClients,
  STATUS_TABLE,
  statusItemId,
} from "@s3-migration/common";
import {
  InstanceMetadata,
  MemoryBudget,
  MessageProcessor,
  PollLoop,
  StatusStore,
  ThroughputMetrics,
  type TransferDeps,
  transferOptionsFromConfig,
  watchSpotInterruption,
} from "@s3-migration/worker";
import { afterAll, describe, expect, it, vi } from "vitest";
import { bytes, get, MIB, put } from "./support/engine.js";
import { localConfig, ROOT } from "./support/local-stack.js";
import { type WorkerFixture, workerFixture } from "./support/worker-fixture.js";

const fixtures: WorkerFixture[] = [];
afterAll(async () => {
  for (const f of fixtures) {
    await f.cleanup();
    destroyClients(f.clients);
  }
});

const logger = createLogger({ service: "test", level: "error" });

/** A processor and a loop over the fixture's queue, in this process. */
function loopOver(
  f: WorkerFixture,
  vt: number,
  transfer: TransferDeps,
  dynamodb = f.clients.dynamodb,
) {
  const processor = new MessageProcessor({
    sqs: f.clients.sqs,
    queueUrl: f.queueUrl,
    visibilityTimeoutSec: vt,
    status: new StatusStore(dynamodb, f.name, "test-worker", false),
    transfer: { acquire: () => ({ deps: transfer, release: () => undefined }) },
    events: { desBucketDefault: f.dstBucket, desPrefixDefault: "" },
    jobTimeoutSec: 0,
    metrics: new ThroughputMetrics(logger),
    logger,
    refreshCredentials: async () => false,
  });
  const processed: string[] = [];
  const counting = {
    process: (m: Message, s: AbortSignal) => {
      processed.push(m.MessageId ?? "");
      return processor.process(m, s);
    },
  };
  const loop = new PollLoop({
    sqs: f.clients.sqs,
    queueUrl: f.queueUrl,
    processor: counting,
    logger,
    maxParallel: 4,
    waitSeconds: 1,
    untilIdleSec: 2,
  });
  return { loop, processed };
}

/** The fixture's source client, with every GetObject delayed by `ms` (a slow copy). */
function slowReads(f: WorkerFixture, ms: number): TransferDeps["source"] {
  const send = f.clients.sourceS3.send as (c: unknown, o?: unknown) => Promise<unknown>;
  return {
    send: (async (command: unknown, options?: unknown) => {
      if (command instanceof GetObjectCommand) await new Promise((r) => setTimeout(r, ms));
      return send.call(f.clients.sourceS3, command, options);
    }) as TransferDeps["source"]["send"],
  };
}

function transferFor(
  f: WorkerFixture,
  source: TransferDeps["source"] = f.clients.sourceS3,
): TransferDeps {
  const config = localConfig();
  return {
    source,
    destination: f.clients.destinationS3,
    budget: new MemoryBudget(config.memoryBudgetBytes),
    options: { ...transferOptionsFromConfig(config), maxThread: 1 },
    logger,
  };
}

describe("worker loop on the local stack", () => {
  it("keeps a job longer than the visibility timeout from reaching a second worker", async () => {
    // Prepare: visibility 2 s; every source read takes 1.5 s, so the copy takes ~5 s.
    const f = await workerFixture("loop-hb", { visibilityTimeoutSec: 2, maxReceiveCount: 5 });
    fixtures.push(f);
    const body = bytes(15 * MIB);
    await put(f.clients.sourceS3, f.srcBucket, "slow.bin", body);
    const slowSource = slowReads(f, 1500);
    await f.sendJobs([
      {
        srcBucket: f.srcBucket,
        srcKey: "slow.bin",
        dstBucket: f.dstBucket,
        dstKey: "slow.bin",
        size: body.length,
      },
    ]);
    const a = loopOver(f, 2, transferFor(f, slowSource));
    const b = loopOver(f, 2, transferFor(f, slowSource));
    // Act
    const ends = await Promise.all([a.loop.run(), b.loop.run()]);
    // Assess
    expect(ends).toEqual(["idle", "idle"]);
    expect(a.processed.length + b.processed.length).toBe(1);
    expect((await get(f.clients.destinationS3, f.dstBucket, "slow.bin")).equals(body)).toBe(true);
    const [item] = await f.statusItems();
    expect(item?.attempts?.N).toBe("1");
  });

  it("writes an object's status twice per copy on the happy path (start, done)", async () => {
    // Prepare
    const f = await workerFixture("loop-writes", { visibilityTimeoutSec: 30, maxReceiveCount: 5 });
    fixtures.push(f);
    const { dynamodb, writes } = countingWrites(f);
    const jobs = await seedJobs(f, [6 * MIB, 100, 200, 300, 400, 500]);
    await f.sendJobs(jobs);
    // Act
    const { loop } = loopOver(f, 30, transferFor(f), dynamodb);
    expect(await loop.run()).toBe("idle");
    // Assess: start + done.
    expect(writes.size).toBe(6);
    for (const n of writes.values()) expect(n).toBe(2);
  });

  it("writes it at most 3 times: 3 when a previous done no longer holds (a second start), 1 when it holds", async () => {
    // Prepare: 4 objects copied; then one source is overwritten (same size, new bytes) and one
    // destination object deleted; all 4 jobs are sent again.
    const f = await workerFixture("loop-writes3", { visibilityTimeoutSec: 30, maxReceiveCount: 5 });
    fixtures.push(f);
    const { dynamodb, writes } = countingWrites(f);
    const jobs = await seedJobs(f, [6 * MIB, 100, 200, 300]);
    await f.sendJobs(jobs);
    expect(await loopOver(f, 30, transferFor(f), dynamodb).loop.run()).toBe("idle");
    const before = await get(f.clients.destinationS3, f.dstBucket, "w/1.bin");
    const overwritten = bytes(6 * MIB);
    await put(f.clients.sourceS3, f.srcBucket, "w/0.bin", overwritten);
    await f.clients.destinationS3.send(
      new DeleteObjectCommand({ Bucket: f.dstBucket, Key: "w/1.bin" }),
    );
    writes.clear();
    await f.sendJobs(jobs);
    // Act
    expect(await loopOver(f, 30, transferFor(f), dynamodb).loop.run()).toBe("idle");
    // Assess: refused start + forced start + done for the two that changed; only the refused
    // start for the two whose done still holds.
    const id = (key: string) => statusItemId(f.srcBucket, key);
    expect(Object.fromEntries(writes)).toEqual({
      [id("w/0.bin")]: 3,
      [id("w/1.bin")]: 3,
      [id("w/2.bin")]: 1,
      [id("w/3.bin")]: 1,
    });
    expect((await get(f.clients.destinationS3, f.dstBucket, "w/0.bin")).equals(overwritten)).toBe(
      true,
    );
    expect((await get(f.clients.destinationS3, f.dstBucket, "w/1.bin")).equals(before)).toBe(true);
    const items = new Map((await f.statusItems()).map((i) => [i.srcKey?.S, i]));
    for (const [key, attempts] of [
      ["w/0.bin", "2"],
      ["w/1.bin", "2"],
      ["w/2.bin", "1"],
      ["w/3.bin", "1"],
    ]) {
      expect(items.get(key)).toMatchObject({ status: { S: "done" }, attempts: { N: attempts } });
    }
  });
});

/**
 * The fixture's DynamoDB client, counting per status item id the writes of its status (the
 * UpdateItems that set `status`: a start, refused or not, and the end); writes that only
 * record an upload's binding or extend a lease are not counted.
 */
function countingWrites(f: WorkerFixture) {
  const writes = new Map<string, number>();
  const send = f.clients.dynamodb.send as (c: unknown) => Promise<unknown>;
  const dynamodb = {
    send: (async (command: unknown) => {
      if (
        command instanceof UpdateItemCommand &&
        command.input.UpdateExpression?.includes("#status =")
      ) {
        const id = command.input.Key?.[STATUS_TABLE.partitionKey]?.S ?? "";
        writes.set(id, (writes.get(id) ?? 0) + 1);
      }
      return send.call(f.clients.dynamodb, command);
    }) as typeof f.clients.dynamodb.send,
  } as typeof f.clients.dynamodb;
  return { dynamodb, writes };
}

/** Puts `w/<i>.bin` of each size at the source; returns their jobs. */
async function seedJobs(f: WorkerFixture, sizes: readonly number[]): Promise<CopyJob[]> {
  const jobs: CopyJob[] = [];
  for (const [i, size] of sizes.entries()) {
    const key = `w/${i}.bin`;
    await put(f.clients.sourceS3, f.srcBucket, key, bytes(size));
    jobs.push({ srcBucket: f.srcBucket, srcKey: key, dstBucket: f.dstBucket, dstKey: key, size });
  }
  return jobs;
}

describe("worker process on the local stack", () => {
  it("exits 1 with a clear message when its queue does not exist, after backing off", async () => {
    const f = await workerFixture("proc-noq", { visibilityTimeoutSec: 30, maxReceiveCount: 5 });
    fixtures.push(f);
    const worker = f.spawnWorker([], { S3MIG_table_queue_name: "no_such_queue_here" });
    const t0 = Date.now();
    expect(await worker.exited).toBe(1);
    expect(Date.now() - t0).toBeGreaterThan(5_000); // 2 s + 4 s of back-off: never a hot loop
    const errors = worker.lines.filter((l) => l.message === "queue or status table not reachable");
    expect(errors).toHaveLength(3);
  });

  it("re-reads rotated credentials when the access key is rejected, without a restart", async () => {
    // Prepare: the worker starts with a wrong China secret; the file is fixed before the job arrives.
    const f = await workerFixture("proc-rotate", { visibilityTimeoutSec: 30, maxReceiveCount: 5 });
    fixtures.push(f);
    const good = JSON.parse(readFileSync(join(ROOT, ".local", "credentials.json"), "utf8"));
    const file = join(tmpdir(), `rotate-${f.name}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        ...good,
        aws_secret_access_key: "wrongSecretKey0000000000000000000000000000",
      }),
    );
    const worker = f.spawnWorker(["--until-idle", "--idle-seconds", "2"], {
      S3MIG_ssm_parameter_credentials: `file:${file}`,
    });
    await worker.waitFor((l) => l.message === "worker started");
    writeFileSync(file, JSON.stringify(good));
    const body = bytes(2000);
    await put(f.clients.sourceS3, f.srcBucket, "rotated.bin", body);
    // Act
    await f.sendJobs([
      {
        srcBucket: f.srcBucket,
        srcKey: "rotated.bin",
        dstBucket: f.dstBucket,
        dstKey: "rotated.bin",
        size: 2000,
      },
    ]);
    // Assess
    expect(await worker.exited).toBe(0);
    expect(
      worker.lines.some(
        (l) => l.message === "access key rejected; credentials re-read and copy retried",
      ),
    ).toBe(true);
    expect((await get(f.clients.destinationS3, f.dstBucket, "rotated.bin")).equals(body)).toBe(
      true,
    );
  });

  it("takes its id from instance metadata and stops on a Spot interruption notice (IMDSv2)", async () => {
    // Prepare
    const imds = await fakeImds();
    const f = await workerFixture(
      "proc-spot",
      { visibilityTimeoutSec: 30, maxReceiveCount: 5 },
      { InstanceMetadataEndpoint: imds.url },
    );
    fixtures.push(f);
    const worker = f.spawnWorker();
    const started = await worker.waitFor((l) => l.message === "worker started");
    // Act
    imds.interrupt();
    // Assess: exit 4 tells systemd not to restart it on an instance about to go.
    expect(await worker.exited).toBe(4);
    imds.close();
    expect(started.workerId).toBe("i-0123456789abcdef0");
    expect(worker.lines.some((l) => l.message === "spot interruption notice")).toBe(true);
  });
});

describe("Spot interruption during a copy", () => {
  it("aborts the copy and releases the message at once", async () => {
    // Prepare: a slow copy (every source read takes 1 s) and a loop watching the fake IMDS.
    const imds = await fakeImds();
    const f = await workerFixture("loop-spot", { visibilityTimeoutSec: 120, maxReceiveCount: 5 });
    fixtures.push(f);
    await put(f.clients.sourceS3, f.srcBucket, "spot.bin", bytes(30 * MIB));
    const slowSource = slowReads(f, 1000);
    await f.sendJobs([
      {
        srcBucket: f.srcBucket,
        srcKey: "spot.bin",
        dstBucket: f.dstBucket,
        dstKey: "spot.bin",
        size: 30 * MIB,
      },
    ]);
    const { loop, processed } = loopOver(f, 120, transferFor(f, slowSource));
    const stopWatching = watchSpotInterruption(
      new InstanceMetadata(imds.url),
      logger,
      () => loop.stop("spot"),
      200,
    );
    const running = loop.run();
    await vi.waitFor(() => expect(processed).toHaveLength(1), { timeout: 10_000 });
    // Act
    imds.interrupt();
    // Assess
    expect(await running).toBe("stopped");
    stopWatching();
    imds.close();
    expect(await f.queueCounts()).toEqual({ visible: 1, inFlight: 0 });
    const copied = await get(f.clients.destinationS3, f.dstBucket, "spot.bin").catch(
      (e: Error) => e.name,
    );
    expect(copied).toBe("NoSuchKey");
  });
});

/** A fake EC2 instance metadata service (IMDSv2) on loopback. */
async function fakeImds(): Promise<{ url: string; interrupt: () => void; close: () => void }> {
  let interrupted = false;
  const server: Server = createServer((req, res) => {
    if (req.method === "PUT" && req.url === "/latest/api/token") return void res.end("token-1");
    if (req.headers["x-aws-ec2-metadata-token"] !== "token-1") return void res.writeHead(401).end();
    if (req.url === "/latest/meta-data/instance-id") return void res.end("i-0123456789abcdef0");
    if (req.url === "/latest/meta-data/spot/instance-action" && interrupted) {
      return void res.end('{"action":"terminate","time":"2026-11-21T23:00:00Z"}');
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    interrupt: () => {
      interrupted = true;
    },
    close: () => server.close(),
  };
}
