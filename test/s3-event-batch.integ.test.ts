import { destroyClients } from "@s3-migration/common";
import { afterAll, describe, expect, it } from "vitest";
import { bytes, get, put } from "./support/engine.js";
import { type WorkerFixture, workerFixture } from "./support/worker-fixture.js";

const RECORDS = 300;
const BAD = 137;
const fixtures: WorkerFixture[] = [];
afterAll(async () => {
  for (const f of fixtures) {
    await f.cleanup();
    destroyClients(f.clients);
  }
});

/** How S3 writes keys into event notifications: form-encoded, space as '+'. */
function s3EncodeKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, "+").replace(/%2F/g, "/");
}

/** Runs `each` on every item, 16 at a time. */
async function sixteenAtATime<T>(items: readonly T[], each: (item: T) => Promise<void>) {
  for (let at = 0; at < items.length; at += 16) {
    await Promise.all(items.slice(at, at + 16).map(each));
  }
}

/** Puts `count` small objects (0 B and up, some with hostile keys) 16 at a time. */
async function seed(f: WorkerFixture, count: number): Promise<Map<string, Buffer>> {
  const objects = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    objects.set(`batch/${i % 10 === 0 ? "中文 😀+%" : "plain"}/${i}.bin`, bytes(i * 37));
  }
  await sixteenAtATime([...objects], ([key, body]) =>
    put(f.clients.sourceS3, f.srcBucket, key, body),
  );
  return objects;
}

describe("an S3 event with one bad record among 300", () => {
  it("copies the 299 good objects, reports the bad record once and deletes the message", async () => {
    // Prepare: 299 objects in the source, one event naming them, record 137 with a key that is
    // not valid URL encoding.
    const f = await workerFixture("evt-batch", { visibilityTimeoutSec: 30, maxReceiveCount: 3 });
    fixtures.push(f);
    const objects = await seed(f, RECORDS - 1);
    const keys = [...objects.keys()];
    const inRecordOrder = [...keys.slice(0, BAD), undefined, ...keys.slice(BAD)];
    const records = inRecordOrder.map((key) => ({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      eventName: "ObjectCreated:Put",
      s3: {
        bucket: { name: f.srcBucket },
        object: key
          ? { key: s3EncodeKey(key), size: objects.get(key)?.length }
          : { key: "batch/bad%E0%A4%A", size: 1 },
      },
    }));
    expect(records).toHaveLength(RECORDS);
    await f.sendBodies([JSON.stringify({ Records: records })]);
    // Act
    const worker = f.spawnWorker(["--until-idle", "--idle-seconds", "2"]);
    const code = await worker.exited;
    // Assess: Des_prefix_default of config/local.ini is "from-events/".
    expect(code).toBe(0);
    await sixteenAtATime([...objects], async ([key, body]) => {
      const copied = await get(f.clients.destinationS3, f.dstBucket, `from-events/${key}`);
      expect(copied.equals(body), key).toBe(true);
    });
    const errors = worker.lines.filter((l) => l.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      message: "event record not understood",
      recordIndex: BAD,
      error: { name: "MessageError", message: expect.stringMatching(/Records\[137\].*URL/) },
    });
    const throughput = worker.lines.filter((l) => l.message === "throughput");
    const sum = (name: string) => throughput.reduce((n, l) => n + Number(l[name] ?? 0), 0);
    expect([sum("ObjectsCopied"), sum("ObjectsFailed"), sum("RetryableErrors")]).toEqual([
      299, 1, 0,
    ]);
    const items = await f.statusItems();
    expect(items).toHaveLength(RECORDS - 1);
    expect(items.every((item) => item.status?.S === "done" && item.attempts?.N === "1")).toBe(true);
    expect(await f.dlqBodies()).toEqual([]);
    expect(await f.queueCounts()).toEqual({ visible: 0, inFlight: 0 });
  }, 240_000);
});
