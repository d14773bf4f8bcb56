import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import type { CopyJob } from "@s3-migration/common";
import { destroyClients } from "@s3-migration/common";
import { afterAll, describe, expect, it } from "vitest";
import { bytes, get, MIB, put } from "./support/engine.js";
import { gate, passGate } from "./support/gates.js";
import {
  accessKeyCredentials,
  accessKeyEndpointEnv,
  type HttpProxy,
  startProxy,
} from "./support/http-proxy.js";
import { readStackEnv, stack } from "./support/local-stack.js";
import { type WorkerFixture, workerFixture } from "./support/worker-fixture.js";

/**
 * End to end: the real jobsender and worker processes on the local stack, faults injected
 * from outside (kill -9, radosgw stopped), every byte checked at the end. The integration
 * project runs its files one at a time, so stopping radosgw here disturbs no other test.
 */
const fixtures: WorkerFixture[] = [];
const proxies: HttpProxy[] = [];
afterAll(async () => {
  for (const f of fixtures) {
    await f.cleanup();
    destroyClients(f.clients);
  }
  for (const p of proxies) await p.close();
});

async function fixture(prefix: string, vt: number, overrides: Record<string, string> = {}) {
  const f = await workerFixture(
    prefix,
    { visibilityTimeoutSec: vt, maxReceiveCount: 10 },
    overrides,
  );
  fixtures.push(f);
  return f;
}

/** Writes a bucket map for the fixture's buckets and returns the env that points at it. */
function bucketMapEnv(f: WorkerFixture): Record<string, string> {
  const path = join(tmpdir(), `${f.name}-map.json`);
  writeFileSync(
    path,
    JSON.stringify([
      { src_bucket: f.srcBucket, src_prefix: "", des_bucket: f.dstBucket, des_prefix: "" },
    ]),
  );
  return { S3MIG_ssm_parameter_bucket: `file:${path}` };
}

const HOSTILE = [
  "中文/文件 名.bin",
  "emoji/😀🚀.dat",
  "spaces in key .txt",
  "a+b+c.txt",
  "100%/%2B%20literal.txt",
  "trailing/slash/",
  `long/${"k".repeat(995)}`,
];

describe("end to end on the local stack", () => {
  it("a worker killed with -9 three times during one large object: finishes identical, reusing parts", async () => {
    // Prepare: 30 parts, one at a time.
    const f = await fixture("e2e-kill", 3, { MaxThread: "1", LoggingLevel: "DEBUG" });
    const body = bytes(150 * MIB);
    await put(f.clients.sourceS3, f.srcBucket, "big/object.bin", body);
    const env = bucketMapEnv(f);
    expect(await f.spawnJobsender([], env).exited).toBe(0);
    // Act: three workers, each killed after it has copied two more parts.
    let partsSeen = 0;
    for (let kill = 0; kill < 3; kill++) {
      const worker = f.spawnWorker([], env);
      let mine = 0;
      await worker.waitFor((l) => l.message === "part copied" && ++mine >= 2, 60_000);
      worker.child.kill("SIGKILL");
      expect(await worker.exited).toBe("SIGKILL");
      partsSeen += mine;
    }
    const last = f.spawnWorker(["--until-idle", "--idle-seconds", "2"], env);
    const copied = await last.waitFor((l) => l.message === "object copied", 120_000);
    // Assess
    expect(await last.exited).toBe(0);
    expect(Number(copied.partsReused)).toBeGreaterThanOrEqual(partsSeen);
    expect((await get(f.clients.destinationS3, f.dstBucket, "big/object.bin")).equals(body)).toBe(
      true,
    );
  });

  it("radosgw stopped and restarted mid-copy: the worker retries and completes", async () => {
    const f = await fixture("e2e-rgw", 60, {
      MaxThread: "2",
      LoggingLevel: "DEBUG",
      MaxRetry: "8",
    });
    const body = bytes(80 * MIB);
    await put(f.clients.sourceS3, f.srcBucket, "rgw/object.bin", body);
    const env = bucketMapEnv(f);
    expect(await f.spawnJobsender([], env).exited).toBe(0);
    const worker = f.spawnWorker(["--until-idle", "--idle-seconds", "2"], env);
    await worker.waitFor((l) => l.message === "part copied");
    // Act: S3 goes away for ~3 s.
    expect(stack("stop-rgw")).toBe(true);
    await new Promise((r) => setTimeout(r, 3000));
    expect(stack("restart-rgw")).toBe(true);
    // Assess
    expect(await worker.exited).toBe(0);
    expect(worker.lines.some((l) => l.message === "object copied")).toBe(true);
    expect((await get(f.clients.destinationS3, f.dstBucket, "rgw/object.bin")).equals(body)).toBe(
      true,
    );
  });

  it("the same object sent twice: the second delivery, arriving mid-copy, waits for the first and ends as already copied", async () => {
    // Prepare: two workers, one message at a time each. Worker A reaches S3 through a proxy
    // that holds its parts until worker B, whose status-table requests go through another proxy,
    // has made its start write; B's start waits until A has created its upload. So B handles
    // the duplicate while A holds the object, mid-copy.
    const f = await fixture("e2e-dup", 6, { MaxParallelFile: "1" });
    const body = bytes(33 * MIB);
    await put(f.clients.sourceS3, f.srcBucket, "dup/object.bin", body);
    const job: CopyJob = {
      srcBucket: f.srcBucket,
      srcKey: "dup/object.bin",
      dstBucket: f.dstBucket,
      dstKey: "dup/object.bin",
      size: body.length,
    };
    const aCreated = gate();
    const bStarted = gate();
    const s3A = await startProxy(accessKeyCredentials().endpoint ?? "", {
      before: async ({ operation }) => {
        if (operation === "UploadPart") await passGate(bStarted, "B's start write answered");
      },
      after: ({ operation }) => {
        if (operation === "CreateMultipartUpload") aCreated.open();
      },
    });
    const isWrite = (target?: string) => target === "DynamoDB_20120810.UpdateItem";
    const dynamoB = await startProxy(readStackEnv().AWS_ENDPOINT_URL_DYNAMODB ?? "", {
      before: async ({ target }) => {
        if (isWrite(target) && !bStarted.isOpen) await passGate(aCreated, "A's upload");
      },
      after: ({ target }) => {
        if (isWrite(target)) bStarted.open();
      },
    });
    proxies.push(s3A, dynamoB);
    await f.sendJobs([job, job]);
    // Act
    const a = f.spawnWorker(
      ["--until-idle", "--idle-seconds", "2"],
      accessKeyEndpointEnv(s3A.url, f.name),
    );
    const b = f.spawnWorker(["--until-idle", "--idle-seconds", "2"], {
      S3MIG_DynamoDbEndpoint: dynamoB.url,
    });
    // Assess: A copied undisturbed (every part accepted, one Complete); B found the object
    // busy, then, on the message's return, already copied.
    expect(await Promise.all([a.exited, b.exited])).toEqual([0, 0]);
    const aParts = s3A.seen.filter((r) => r.operation === "UploadPart");
    expect(aParts).toHaveLength(7);
    expect(s3A.seen.filter((r) => r.operation === "CompleteMultipartUpload")).toHaveLength(1);
    const messages = (w: typeof a) => w.lines.map((l) => l.message);
    expect(messages(a).filter((m) => m === "object copied")).toHaveLength(1);
    expect(messages(b)).not.toContain("object copied");
    expect(messages(b)).toContain(
      "object being copied by another attempt, message returned for later",
    );
    expect([...messages(a), ...messages(b)]).toContain("object already copied");
    for (const w of [a, b]) {
      expect(w.lines.filter((l) => l.level === "error" || l.level === "warn")).toEqual([]);
    }
    expect((await get(f.clients.destinationS3, f.dstBucket, "dup/object.bin")).equals(body)).toBe(
      true,
    );
    const left = await f.clients.destinationS3.send(
      new ListMultipartUploadsCommand({ Bucket: f.dstBucket }),
    );
    expect(left.Uploads ?? []).toEqual([]);
    expect(await f.queueCounts()).toEqual({ visible: 0, inFlight: 0 });
    expect(await f.dlqBodies()).toEqual([]);
    const [item] = await f.statusItems();
    expect(item).toMatchObject({ status: { S: "done" }, attempts: { N: "1" } });
  });

  it("hostile keys arrive intact through the jobsender path and the S3 event path", async () => {
    // Prepare
    const f = await fixture("e2e-keys", 30);
    const bodies = new Map(HOSTILE.map((k, i) => [k, bytes(i === 1 ? 6 * MIB : 100 + i)] as const));
    for (const [key, body] of bodies) await put(f.clients.sourceS3, f.srcBucket, key, body);
    const env = bucketMapEnv(f);
    const encode = (k: string) => encodeURIComponent(k).replace(/%20/g, "+").replace(/%2F/g, "/");
    const event = {
      Records: HOSTILE.map((k) => ({
        eventName: "ObjectCreated:Put",
        s3: {
          bucket: { name: f.srcBucket },
          object: { key: encode(k), size: bodies.get(k)?.length },
        },
      })),
    };
    // Act
    expect(await f.spawnJobsender([], env).exited).toBe(0);
    await f.sendBodies([JSON.stringify(event)]);
    // The worker keeps local.ini's bucket map, which does not cover this fixture's bucket: its
    // events fall back to Des_bucket_default / Des_prefix_default (jobs carry their destination).
    const worker = f.spawnWorker(["--until-idle", "--idle-seconds", "2"]);
    expect(await worker.exited).toBe(0);
    // Assess: jobsender copies keep their key; event copies go under Des_prefix_default.
    for (const [key, body] of bodies) {
      expect((await get(f.clients.destinationS3, f.dstBucket, key)).equals(body)).toBe(true);
      const viaEvent = await get(f.clients.destinationS3, f.dstBucket, `from-events/${key}`);
      expect(viaEvent.equals(body)).toBe(true);
    }
    expect(worker.lines.filter((l) => l.message === "object failed")).toEqual([]);
    expect(await f.queueCounts()).toEqual({ visible: 0, inFlight: 0 });
  });
});
