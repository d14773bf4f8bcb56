import { createHash } from "node:crypto";
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
import { type WorkerFixture, workerFixture } from "./support/worker-fixture.js";

const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");
const fixtures: WorkerFixture[] = [];
const proxies: HttpProxy[] = [];
afterAll(async () => {
  for (const f of fixtures) {
    await f.cleanup();
    destroyClients(f.clients);
  }
  for (const p of proxies) await p.close();
});

async function fixture(prefix: string, vt: number, maxReceiveCount: number, overrides = {}) {
  const f = await workerFixture(prefix, { visibilityTimeoutSec: vt, maxReceiveCount }, overrides);
  fixtures.push(f);
  return f;
}

/** Puts `count` objects of the given sizes and returns their jobs and bodies. */
async function seed(f: WorkerFixture, keys: readonly string[], sizeOf: (i: number) => number) {
  const jobs: CopyJob[] = [];
  const bodies = new Map<string, Buffer>();
  for (const [i, key] of keys.entries()) {
    const body = bytes(sizeOf(i));
    await put(f.clients.sourceS3, f.srcBucket, key, body);
    bodies.set(key, body);
    jobs.push({
      srcBucket: f.srcBucket,
      srcKey: key,
      dstBucket: f.dstBucket,
      dstKey: key,
      size: body.length,
    });
  }
  return { jobs, bodies };
}

describe("worker service on the local stack", () => {
  it("two worker processes share a mixed set: both copy, each object once, with matching status items", async () => {
    // Prepare: each worker reaches the destination through its own proxy, which holds every
    // request until both workers have sent one. A worker holds at most MaxParallelFile (4) of the
    // 24 messages, so the other must take some before any object can finish. (Without the cap,
    // the shipped scheduler lets the first worker take all 24 and the gate never opens.)
    const f = await fixture("svc-mixed", 30, 5, { MaxParallelFile: "4" });
    const keys = Array.from(
      { length: 24 },
      (_, i) => `mixed/${i % 3 === 0 ? "中文 😀+%" : "plain"}/${i}.bin`,
    );
    const sizeOf = (i: number) => (i % 8 === 0 ? 9 * MIB + i : i * 997);
    const { jobs, bodies } = await seed(f, keys, sizeOf);
    const arrived = [gate(), gate()];
    const both = gate();
    void Promise.all(arrived.map((g) => g.opened)).then(both.open);
    const proxied = await Promise.all(
      arrived.map((mine) =>
        startProxy(accessKeyCredentials().endpoint ?? "", {
          before: () => {
            mine.open();
            return passGate(both, "both workers sent a destination request");
          },
        }),
      ),
    );
    proxies.push(...proxied);
    await f.sendJobs(jobs);
    // Act
    const workers = proxied.map((p, i) =>
      f.spawnWorker(
        ["--until-idle", "--idle-seconds", "2"],
        accessKeyEndpointEnv(p.url, `${f.name}-${i}`),
      ),
    );
    await passGate(both, "each worker took a message and sent a destination request");
    const codes = await Promise.all(workers.map((w) => w.exited));
    // Assess
    expect(codes).toEqual([0, 0]);
    for (const [key, body] of bodies) {
      expect(md5(await get(f.clients.destinationS3, f.dstBucket, key))).toBe(md5(body));
    }
    const items = await f.statusItems();
    expect(items).toHaveLength(keys.length);
    for (const item of items) {
      expect(item.status?.S).toBe("done");
      expect(item.attempts?.N).toBe("1");
      expect(Number(item.bytesMoved?.N)).toBe(bodies.get(item.srcKey?.S ?? "")?.length);
    }
    const workerIds = workers.map(
      (w) => w.lines.find((l) => l.message === "worker started")?.workerId,
    );
    expect(new Set(workerIds).size).toBe(2);
    expect(new Set(items.map((i) => i.workerId?.S))).toEqual(new Set(workerIds));
    for (const w of workers) {
      expect(w.lines.some((l) => l.message === "object copied")).toBe(true);
    }
    expect(await f.queueCounts()).toEqual({ visible: 0, inFlight: 0 });
  });

  it("a worker killed with -9 mid-object: the message comes back and another worker resumes it", async () => {
    // Prepare: 24 parts, one at a time, so the kill lands mid-object.
    const f = await fixture("svc-kill", 4, 5, { MaxThread: "1", LoggingLevel: "DEBUG" });
    const { jobs, bodies } = await seed(f, ["kill/big.bin"], () => 120 * MIB);
    await f.sendJobs(jobs);
    const first = f.spawnWorker();
    await first.waitFor((l) => l.message === "part copied" && Number(l.partNumber) >= 2);
    // Act
    first.child.kill("SIGKILL");
    expect(await first.exited).toBe("SIGKILL");
    const second = f.spawnWorker(["--until-idle", "--idle-seconds", "2"]);
    const copied = await second.waitFor((l) => l.message === "object copied");
    // Assess
    expect(await second.exited).toBe(0);
    expect(Number(copied.partsReused)).toBeGreaterThanOrEqual(2);
    expect(Number(copied.partsReused)).toBeLessThan(24);
    const body = bodies.get("kill/big.bin") ?? Buffer.alloc(0);
    expect((await get(f.clients.destinationS3, f.dstBucket, "kill/big.bin")).equals(body)).toBe(
      true,
    );
    const [item] = await f.statusItems();
    expect(item?.attempts?.N).toBe("2");
  });

  it("SIGTERM mid-object: exit 0 and the message is released at once for another worker", async () => {
    // Prepare: a visibility timeout far longer than the test, so only a release explains a quick pickup.
    const f = await fixture("svc-term", 120, 5, { MaxThread: "1", LoggingLevel: "DEBUG" });
    const { jobs, bodies } = await seed(f, ["term/big.bin"], () => 120 * MIB);
    await f.sendJobs(jobs);
    const first = f.spawnWorker();
    await first.waitFor((l) => l.message === "part copied");
    // Act
    const t0 = Date.now();
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    const second = f.spawnWorker(["--until-idle", "--idle-seconds", "2"]);
    const copied = await second.waitFor((l) => l.message === "object copied", 60_000);
    // Assess
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(Number(copied.partsReused)).toBeGreaterThanOrEqual(1);
    expect(await second.exited).toBe(0);
    const body = bodies.get("term/big.bin") ?? Buffer.alloc(0);
    expect((await get(f.clients.destinationS3, f.dstBucket, "term/big.bin")).equals(body)).toBe(
      true,
    );
  });

  it("poison messages end in the DLQ; test events vanish; a '+'-encoded event key copies the right object", async () => {
    // Prepare
    const f = await fixture("svc-events", 1, 2);
    const key = "events/a b+c.txt";
    const body = bytes(1234);
    await put(f.clients.sourceS3, f.srcBucket, key, body);
    const event = {
      Records: [
        {
          eventSource: "aws:s3",
          eventName: "ObjectCreated:Put",
          s3: { bucket: { name: f.srcBucket }, object: { key: "events/a+b%2Bc.txt", size: 1234 } },
        },
      ],
    };
    await f.sendBodies([
      "this is not a job",
      JSON.stringify({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: f.srcBucket }),
      JSON.stringify(event),
    ]);
    // Act
    const worker = f.spawnWorker(["--until-idle", "--idle-seconds", "2"]);
    expect(await worker.exited).toBe(0);
    // Assess: Des_prefix_default of config/local.ini is "from-events/".
    expect(
      (await get(f.clients.destinationS3, f.dstBucket, `from-events/${key}`)).equals(body),
    ).toBe(true);
    expect(await f.dlqBodies()).toEqual(["this is not a job"]);
    expect(worker.lines.filter((l) => l.message === "message ignored")).toHaveLength(1);
    expect(await f.queueCounts()).toEqual({ visible: 0, inFlight: 0 });
  });
});
