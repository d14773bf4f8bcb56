import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { destroyClients } from "@s3-migration/common";
import { afterAll, describe, expect, it, vi } from "vitest";
import { bytes, get, put } from "./support/engine.js";
import { type WorkerFixture, type WorkerProcess, workerFixture } from "./support/worker-fixture.js";

/**
 * S3 events for existing buckets (issue 19), through the real queue emulator and a worker
 * process: EventBridge "Object Created" events routed by the bucket map (longest source prefix
 * first), the map edited while the worker runs, a record no entry takes, and two events of one
 * key delivered in the wrong order. Des_bucket_default is empty here: only the map routes.
 */
const fixtures: WorkerFixture[] = [];
afterAll(async () => {
  for (const f of fixtures) {
    await f.cleanup();
    destroyClients(f.clients);
  }
});

/** AWS's EventBridge "Object Created" shape, for one object of the fixture's source. */
function eventBridge(bucket: string, key: string, size: number, sequencer: string): string {
  return JSON.stringify({
    version: "0",
    id: `id-${key}-${sequencer}`,
    "detail-type": "Object Created",
    source: "aws.s3",
    account: "111122223333",
    time: new Date().toISOString(),
    region: "us-east-1",
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: "0",
      bucket: { name: bucket },
      object: { key, size, etag: "unused", sequencer },
      "request-id": "R",
      requester: "111122223333",
      reason: "PutObject",
    },
  });
}

/** A bucket map file the worker reads (`file:` parameter), and a way to rewrite it. */
function bucketMapFile(f: WorkerFixture) {
  const path = join(mkdtempSync(join(tmpdir(), "s3mig-events-")), "buckets.json");
  const write = (entries: [string, string][]) =>
    writeFileSync(
      path,
      JSON.stringify(
        entries.map(([srcPrefix, desPrefix]) => ({
          src_bucket: f.srcBucket,
          src_prefix: srcPrefix,
          des_bucket: f.dstBucket,
          des_prefix: desPrefix,
        })),
      ),
    );
  return { path, write };
}

/** Waits until the worker logged a line `match` accepts. */
const logged = (w: WorkerProcess, match: (l: Record<string, unknown>) => boolean) =>
  w.waitFor(match, 60_000);

describe("S3 events routed by the bucket map", () => {
  it("routes EventBridge events by the longest prefix, follows map edits, drops what no entry takes", async () => {
    // Prepare
    const f = await workerFixture("evt-route", { visibilityTimeoutSec: 30, maxReceiveCount: 3 });
    fixtures.push(f);
    const map = bucketMapFile(f);
    map.write([
      ["in", "routed"],
      ["in/deep", "deeper"],
    ]);
    const a = bytes(1000);
    const b = bytes(2000);
    await put(f.clients.sourceS3, f.srcBucket, "in/a.txt", a);
    await put(f.clients.sourceS3, f.srcBucket, "in/deep/b.txt", b);
    await put(f.clients.sourceS3, f.srcBucket, "elsewhere/c.txt", bytes(10));
    const worker = f.spawnWorker([], {
      S3MIG_ssm_parameter_bucket: `file:${map.path}`,
      S3MIG_Des_bucket_default: "",
      S3MIG_BucketMapRefreshSeconds: "1",
    });
    // Act 1: one event per object.
    await f.sendBodies([
      eventBridge(f.srcBucket, "in/a.txt", a.length, "01"),
      eventBridge(f.srcBucket, "in/deep/b.txt", b.length, "01"),
      eventBridge(f.srcBucket, "elsewhere/c.txt", 10, "01"),
    ]);
    await logged(worker, (l) => l.message?.toString().startsWith("event record dropped") ?? false);
    await vi.waitFor(
      async () => expect(await f.queueCounts()).toEqual({ visible: 0, inFlight: 0 }),
      {
        timeout: 60_000,
        interval: 200,
      },
    );
    // Assess 1
    expect((await get(f.clients.destinationS3, f.dstBucket, "routed/a.txt")).equals(a)).toBe(true);
    expect((await get(f.clients.destinationS3, f.dstBucket, "deeper/b.txt")).equals(b)).toBe(true);
    const dropped = worker.lines.filter((l) =>
      String(l.message).startsWith("event record dropped"),
    );
    expect(dropped).toEqual([
      expect.objectContaining({ level: "warn", srcBucket: f.srcBucket, srcKey: "elsewhere/c.txt" }),
    ]);
    // Act 2: ops edit the map; an event sent once the worker's copy is older than
    // BucketMapRefreshSeconds (the contract: a map at most that old routes an event) follows it.
    map.write([["in", "moved"]]);
    const edited = Date.now();
    await vi.waitFor(() => expect(Date.now() - edited).toBeGreaterThan(1_100), {
      timeout: 5_000,
      interval: 100,
    });
    await f.sendBodies([eventBridge(f.srcBucket, "in/a.txt", a.length, "02")]);
    // Assess 2
    await vi.waitFor(
      async () => {
        const moved = await get(f.clients.destinationS3, f.dstBucket, "moved/a.txt");
        expect(moved.equals(a)).toBe(true);
      },
      { timeout: 60_000, interval: 200 },
    );
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
    expect(await f.dlqBodies()).toEqual([]);
  }, 180_000);

  it("skips an event older than the one whose copy is made", async () => {
    // Prepare: version 2 of the key is in the source; its event (sequencer 0B) is copied first.
    const f = await workerFixture("evt-order", { visibilityTimeoutSec: 30, maxReceiveCount: 3 });
    fixtures.push(f);
    const map = bucketMapFile(f);
    map.write([["", ""]]);
    const v2 = bytes(3000);
    await put(f.clients.sourceS3, f.srcBucket, "k.bin", v2);
    const worker = f.spawnWorker([], {
      S3MIG_ssm_parameter_bucket: `file:${map.path}`,
      S3MIG_Des_bucket_default: "",
    });
    await f.sendBodies([eventBridge(f.srcBucket, "k.bin", v2.length, "0B")]);
    await logged(worker, (l) => l.message === "object copied");
    const head = () =>
      f.clients.destinationS3.send(new HeadObjectCommand({ Bucket: f.dstBucket, Key: "k.bin" }));
    const copied = await head();
    // Act: version 1's event (sequencer 0A) arrives late.
    await f.sendBodies([eventBridge(f.srcBucket, "k.bin", 10, "0A")]);
    const skipped = await logged(
      worker,
      (l) => l.message === "event older than the copy already made, skipped",
    );
    // Assess
    expect(skipped).toMatchObject({ srcKey: "k.bin" });
    expect((await head()).LastModified).toEqual(copied.LastModified);
    expect((await get(f.clients.destinationS3, f.dstBucket, "k.bin")).equals(v2)).toBe(true);
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
  }, 120_000);
});
