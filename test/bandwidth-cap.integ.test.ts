import { destroyClients } from "@s3-migration/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytes, get, MIB, put } from "./support/engine.js";
import { type WorkerFixture, workerFixture } from "./support/worker-fixture.js";

/** The cap of these tests: 2 MiB/s. */
const CAP_MBPS = 2;
const RATE = CAP_MBPS * MIB;

/**
 * `MaxBandwidthMBps` end to end: a worker process reads it from its config (as an S3MIG_
 * override), builds the cap, and copies through it against RGW, on the lean path. The elapsed
 * time is only bounded from below (0.9 × size / rate), so a slow machine cannot fail it.
 */
describe("MaxBandwidthMBps on the local stack", () => {
  let f: WorkerFixture;
  beforeAll(async () => {
    // ResumableThreshold 16 MB: the objects below are single PUTs (GET body streamed or read).
    f = await workerFixture(
      "bwcap",
      { visibilityTimeoutSec: 60, maxReceiveCount: 5 },
      { MaxBandwidthMBps: String(CAP_MBPS), ResumableThreshold: "16" },
    );
  });
  afterAll(async () => {
    await f.cleanup();
    destroyClients(f.clients);
  });

  /** Copies `sizes` (one object each, all queued at once) with one worker; its "object copied" lines. */
  async function copyWithWorker(prefix: string, sizes: readonly number[]) {
    const bodies = sizes.map((size) => bytes(size));
    const keys = sizes.map((_, i) => `${prefix}/object-${i}.bin`);
    for (const [i, key] of keys.entries()) {
      await put(f.clients.sourceS3, f.srcBucket, key, bodies[i] as Buffer);
    }
    const worker = f.spawnWorker(["--until-idle", "--idle-seconds", "2"]);
    await worker.waitFor((l) => l.message === "worker started");
    await f.sendJobs(
      keys.map((key, i) => ({
        srcBucket: f.srcBucket,
        srcKey: key,
        dstBucket: f.dstBucket,
        dstKey: key,
        size: sizes[i] as number,
      })),
    );
    expect(await worker.exited).toBe(0);
    for (const [i, key] of keys.entries()) {
      const copied = await get(f.clients.destinationS3, f.dstBucket, key);
      expect(copied.equals(bodies[i] as Buffer), key).toBe(true);
    }
    const copied = worker.lines.filter((l) => l.message === "object copied");
    expect(copied).toHaveLength(sizes.length);
    return copied as { timestamp: string; durationMs: number; bytesMoved: number }[];
  }

  it("copies a 6 MiB object (GET streamed into the PUT) no faster than the cap", async () => {
    // Act
    const [line] = await copyWithWorker("streamed", [6 * MIB]);
    // Assess
    expect(line?.bytesMoved).toBe(6 * MIB);
    expect(line?.durationMs).toBeGreaterThanOrEqual((0.9 * 1000 * 6 * MIB) / RATE);
  });

  it("shares the cap between objects copied at once (bodies read into buffers)", async () => {
    // Prepare: four 1 MiB objects (buffered single PUTs), copied in parallel.
    const sizes = [MIB, MIB, MIB, MIB];
    // Act
    const lines = await copyWithWorker("buffered", sizes);
    // Assess: from the first copy's start to the last one's end, at least 0.9 × 4 MiB / rate.
    const ends = lines.map((l) => Date.parse(l.timestamp));
    const starts = lines.map((l, i) => (ends[i] as number) - l.durationMs);
    const spanMs = Math.max(...ends) - Math.min(...starts);
    expect(spanMs).toBeGreaterThanOrEqual((0.9 * 1000 * 4 * MIB) / RATE);
    // Each object alone would have taken about 0.5 s: they overlapped, so they shared the rate.
    expect(Math.max(...lines.map((l) => l.durationMs))).toBeGreaterThan(1000);
  });
});
