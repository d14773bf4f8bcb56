import { destroyClients } from "@s3-migration/common";
import { InstanceMetadata, watchSpotInterruption } from "@s3-migration/worker";
import { afterAll, describe, expect, it, vi } from "vitest";
import { bytes, get, MIB, put } from "./support/engine.js";
import { fakeImds } from "./support/fake-imds.js";
import { loopLogger, loopOver, slowReads, transferFor } from "./support/in-process-loop.js";
import { type WorkerFixture, workerFixture } from "./support/worker-fixture.js";

const fixtures: WorkerFixture[] = [];
afterAll(async () => {
  for (const f of fixtures) {
    await f.cleanup();
    destroyClients(f.clients);
  }
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
      loopLogger,
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
