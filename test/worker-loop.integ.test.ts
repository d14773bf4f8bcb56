import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { type CopyJob, destroyClients, STATUS_TABLE, statusItemId } from "@s3-migration/common";
import { afterAll, describe, expect, it } from "vitest";
import { bytes, get, MIB, put } from "./support/engine.js";
import { loopOver, slowReads, transferFor } from "./support/in-process-loop.js";
import { type WorkerFixture, workerFixture } from "./support/worker-fixture.js";

const fixtures: WorkerFixture[] = [];
afterAll(async () => {
  for (const f of fixtures) {
    await f.cleanup();
    destroyClients(f.clients);
  }
});

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
