import { DeleteItemCommand } from "@aws-sdk/client-dynamodb";
import { ListMultipartUploadsCommand, ListPartsCommand } from "@aws-sdk/client-s3";
import { type CopyJob, destroyClients, STATUS_TABLE, statusItemId } from "@s3-migration/common";
import { afterAll, describe, expect, it } from "vitest";
import { bytes, get, MIB, put } from "./support/engine.js";
import { type Gate, gate, passGate } from "./support/gates.js";
import {
  accessKeyCredentials,
  accessKeyEndpointEnv,
  type HttpProxy,
  startProxy,
} from "./support/http-proxy.js";
import { type WorkerFixture, type WorkerProcess, workerFixture } from "./support/worker-fixture.js";

/**
 * The upload ledger with real worker processes: an upload is bound in the status table to the
 * source version it copies, resumed by the next attempt only while that binding holds, and
 * owned by one attempt at a time (a lease as long as the queue's visibility timeout). No test
 * waits for the clock: each copy starts within a second of its source being written.
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

const KEY = "ledger/object.bin";
/** 8 parts of 5 MiB, sent one at a time so a kill lands mid-copy. */
const SIZE = 40 * MIB;

async function fixture(prefix: string, overrides: Record<string, string> = {}) {
  const f = await workerFixture(
    prefix,
    { visibilityTimeoutSec: 3, maxReceiveCount: 10 },
    { MaxThread: "1", LoggingLevel: "DEBUG", CleanUnfinishedUpload: "False", ...overrides },
  );
  fixtures.push(f);
  return f;
}

function jobOf(f: WorkerFixture, size = SIZE): CopyJob {
  return { srcBucket: f.srcBucket, srcKey: KEY, dstBucket: f.dstBucket, dstKey: KEY, size };
}

/** An S3 ObjectCreated event for the object, as S3 sends it to the queue. */
function eventOf(f: WorkerFixture, size = SIZE): string {
  return JSON.stringify({
    Records: [
      {
        eventName: "ObjectCreated:Put",
        s3: { bucket: { name: f.srcBucket }, object: { key: KEY, size } },
      },
    ],
  });
}

/**
 * A proxy in front of the destination that holds the third UploadPart through it: `held` opens
 * when it arrives; it goes on to S3 once `release` opens (never, if nobody opens it).
 */
async function holdingThirdPart(): Promise<{ proxy: HttpProxy; held: Gate; release: Gate }> {
  const held = gate();
  const release = gate();
  let parts = 0;
  const proxy = await startProxy(accessKeyCredentials().endpoint ?? "", {
    before: async ({ operation }) => {
      if (operation !== "UploadPart" || ++parts < 3) return;
      held.open();
      await release.opened;
    },
  });
  proxies.push(proxy);
  return { proxy, held, release };
}

/**
 * Starts a worker whose destination requests pass through a proxy that holds its third part
 * for good, writes the source and sends its message at once, and kills the worker with -9
 * while the third part is held: two parts are in S3. Returns the upload and the parts S3 holds.
 */
async function killMidCopy(
  f: WorkerFixture,
  body: Buffer,
  send: () => Promise<void>,
  dstKey = KEY,
): Promise<{ uploadId: string; listed: number[] }> {
  // The release gate is never opened: the third part stays held until the proxy closes.
  const { proxy, held: third } = await holdingThirdPart();
  const worker = f.spawnWorker([], accessKeyEndpointEnv(proxy.url, f.name));
  await worker.waitFor((l) => l.message === "worker started");
  await put(f.clients.sourceS3, f.srcBucket, KEY, body);
  await send();
  await passGate(third, "the worker's third part");
  worker.child.kill("SIGKILL");
  expect(await worker.exited).toBe("SIGKILL");
  const created = worker.lines.find((l) => l.message === "part copied");
  const uploadId = String(created?.uploadId);
  const out = await f.clients.destinationS3.send(
    new ListPartsCommand({ Bucket: f.dstBucket, Key: dstKey, UploadId: uploadId }),
  );
  return { uploadId, listed: (out.Parts ?? []).map((p) => p.PartNumber ?? 0) };
}

/** Part numbers a worker logged as copied into `uploadId`. */
function partsSent(worker: WorkerProcess, uploadId: string): number[] {
  return worker.lines
    .filter((l) => l.message === "part copied" && l.uploadId === uploadId)
    .map((l) => Number(l.partNumber));
}

async function unfinishedUploads(f: WorkerFixture): Promise<string[]> {
  const out = await f.clients.destinationS3.send(
    new ListMultipartUploadsCommand({ Bucket: f.dstBucket }),
  );
  return (out.Uploads ?? []).map((u) => u.UploadId ?? "");
}

describe("the upload ledger, with worker processes", () => {
  it.each([
    ["a jobsender message", (f: WorkerFixture) => f.sendJobs([jobOf(f)]), KEY],
    // Events are copied under Des_prefix_default (config/local.ini).
    ["an S3 event", (f: WorkerFixture) => f.sendBodies([eventOf(f)]), `from-events/${KEY}`],
  ])(
    "resumes the same upload after kill -9 right after the write (%s), sending no part twice",
    async (_path, send, dstKey) => {
      // Prepare
      const f = await fixture("ledger-kill");
      const body = bytes(SIZE);
      const killed = await killMidCopy(f, body, () => send(f), dstKey);
      // Act
      const next = f.spawnWorker(["--until-idle", "--idle-seconds", "2"]);
      const copied = await next.waitFor((l) => l.message === "object copied", 120_000);
      // Assess
      expect(await next.exited).toBe(0);
      expect(killed.listed).toEqual([1, 2]);
      const resent = partsSent(next, killed.uploadId);
      expect(resent.filter((pn) => killed.listed.includes(pn))).toEqual([]);
      expect(Number(copied.partsReused)).toBe(killed.listed.length);
      expect(resent).toHaveLength(8 - killed.listed.length);
      const [item] = await f.statusItems();
      expect(item).toMatchObject({ status: { S: "done" }, uploadId: { S: killed.uploadId } });
      expect((await get(f.clients.destinationS3, f.dstBucket, dstKey)).equals(body)).toBe(true);
      expect(await unfinishedUploads(f)).toEqual([]);
    },
  );

  it("does not reuse the upload when the source was overwritten between the kill and the resume, and aborts it", async () => {
    // Prepare
    const f = await fixture("ledger-overwrite");
    const killed = await killMidCopy(f, bytes(SIZE), () => f.sendJobs([jobOf(f)]));
    const newer = bytes(SIZE - MIB);
    await put(f.clients.sourceS3, f.srcBucket, KEY, newer);
    // Act
    const next = f.spawnWorker(["--until-idle", "--idle-seconds", "2"]);
    const copied = await next.waitFor((l) => l.message === "object copied", 120_000);
    // Assess
    expect(await next.exited).toBe(0);
    expect(Number(copied.partsReused)).toBe(0);
    expect(partsSent(next, killed.uploadId)).toEqual([]);
    expect(await unfinishedUploads(f)).toEqual([]);
    const [item] = await f.statusItems();
    expect(item?.uploadId?.S).not.toBe(killed.uploadId);
    expect((await get(f.clients.destinationS3, f.dstBucket, KEY)).equals(newer)).toBe(true);
  });

  it("starts over cleanly when the status item was deleted between two attempts", async () => {
    // Prepare: the unbound upload is aborted (CleanUnfinishedUpload), never reused.
    const f = await fixture("ledger-lost", { CleanUnfinishedUpload: "True" });
    const body = bytes(SIZE);
    const killed = await killMidCopy(f, body, () => f.sendJobs([jobOf(f)]));
    await f.clients.dynamodb.send(
      new DeleteItemCommand({
        TableName: f.name,
        Key: { [STATUS_TABLE.partitionKey]: { S: statusItemId(f.srcBucket, KEY) } },
      }),
    );
    // Act
    const next = f.spawnWorker(["--until-idle", "--idle-seconds", "2"]);
    const copied = await next.waitFor((l) => l.message === "object copied", 120_000);
    // Assess
    expect(await next.exited).toBe(0);
    expect(Number(copied.partsReused)).toBe(0);
    expect(partsSent(next, killed.uploadId)).toEqual([]);
    expect(await unfinishedUploads(f)).toEqual([]);
    expect((await get(f.clients.destinationS3, f.dstBucket, KEY)).equals(body)).toBe(true);
  });

  it("lets another worker take over from one frozen past its lease; the frozen one, resumed, completes nothing", async () => {
    // Prepare: worker A reaches S3 through a proxy that holds its third part; A is frozen
    // (SIGSTOP) while it waits, so its heartbeat stops and its lease and message expire.
    const f = await fixture("ledger-frozen");
    const body = bytes(SIZE);
    const { proxy, held, release } = await holdingThirdPart();
    await put(f.clients.sourceS3, f.srcBucket, KEY, body);
    await f.sendJobs([jobOf(f)]);
    const a = f.spawnWorker([], accessKeyEndpointEnv(proxy.url, f.name));
    await passGate(held, "A's third part");
    a.child.kill("SIGSTOP");
    // Act: B takes the object over once A's lease has expired, and completes it.
    const b = f.spawnWorker(["--until-idle", "--idle-seconds", "2"]);
    const copied = await b.waitFor((l) => l.message === "object copied", 120_000);
    expect(await b.exited).toBe(0);
    a.child.kill("SIGCONT");
    release.open();
    const stopped = await a.waitFor(
      (l) => l.level === "warn" || l.level === "error" || l.message === "object copied",
      60_000,
    );
    a.child.kill("SIGTERM");
    await a.exited;
    // Assess: A completed nothing and recorded nothing; the object is B's, byte for byte.
    expect(stopped.message).not.toBe("object copied");
    expect(a.lines.map((l) => l.message)).not.toContain("object copied");
    expect(proxy.seen.filter((r) => r.operation === "CompleteMultipartUpload")).toEqual([]);
    expect(Number(copied.partsReused)).toBeGreaterThanOrEqual(2);
    const [item] = await f.statusItems();
    expect(item).toMatchObject({ status: { S: "done" }, attempts: { N: "2" } });
    expect((await get(f.clients.destinationS3, f.dstBucket, KEY)).equals(body)).toBe(true);
    expect(await unfinishedUploads(f)).toEqual([]);
  });
});
