import { randomBytes } from "node:crypto";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { createLogger } from "@s3-migration/common";
import { describe, expect, it } from "vitest";
import { FakeS3 } from "../../testing/fake-s3.js";
import {
  type LooseSend,
  MIB,
  streamingSource,
  testOptions,
} from "../../testing/transfer-fixtures.js";
import { copyObject } from "../copy-object.js";
import { BandwidthCap } from "../memory/bandwidth-cap.js";
import { MemoryBudget } from "../memory/memory-budget.js";
import { ConnectionPool } from "../transfer/connection-pool.js";
import type { TransferDeps } from "../transfer/copy-types.js";
import type { TransferOptions } from "../transfer/transfer-options.js";

// The worker-wide limits every copy shares: connections (MaxConnections), part buffers
// (MemoryBudgetMB), MaxThread per object, and the bandwidth cap (MaxBandwidthMBps).

const job = (key: string, size: number) => ({
  srcBucket: "src",
  srcKey: key,
  dstBucket: "dst",
  dstKey: key,
  size,
});

/** A source of one huge and `small` 64 KiB objects that counts the GETs running at once. */
function countedSource(hugeBytes: number, small: number) {
  const fake = new FakeS3();
  const bodies = new Map<string, Buffer>([["huge", randomBytes(hugeBytes)]]);
  for (let i = 0; i < small; i++) bodies.set(`small/${i}`, randomBytes(64 * 1024));
  for (const [key, body] of bodies) fake.putObject(key, body);
  const streaming = streamingSource(fake).send as unknown as LooseSend;
  const gets = { now: 0, most: 0, hugeNow: 0, hugeMost: 0 };
  const send = async (command: unknown, options?: unknown) => {
    if (!(command instanceof GetObjectCommand)) return streaming(command, options);
    const huge = command.input.Key === "huge";
    gets.now++;
    gets.most = Math.max(gets.most, gets.now);
    if (huge) gets.hugeMost = Math.max(gets.hugeMost, ++gets.hugeNow);
    try {
      const out = await streaming(command, options);
      // The GET's connection is busy until its body has been read (the PUT follows on it).
      await new Promise((r) => setImmediate(r));
      return out;
    } finally {
      gets.now--;
      if (huge) gets.hugeNow--;
    }
  };
  return { source: { send } as unknown as TransferDeps["source"], bodies, gets };
}

function depsOver(
  source: TransferDeps["source"],
  destination: FakeS3,
  limits: { connections: number; budgetMiB: number; options?: Partial<TransferOptions> },
): TransferDeps {
  return {
    source,
    destination,
    budget: new MemoryBudget(limits.budgetMiB * MIB),
    connections: new ConnectionPool(limits.connections),
    options: testOptions({ maxThread: undefined, ...limits.options }),
    logger: createLogger({ service: "test", level: "error" }),
  };
}

describe("copies sharing the worker's limits", () => {
  it("keep a huge object and 200 small ones within the connections and the memory budget", async () => {
    // Prepare: 12 connections, a 20 MiB budget; 60 MiB in 5 MiB parts + 200 × 64 KiB.
    const { source, bodies, gets } = countedSource(60 * MIB, 200);
    const destination = new FakeS3();
    const deps = depsOver(source, destination, { connections: 12, budgetMiB: 20 });
    // Act: all at once, as the poll loop hands them over.
    await Promise.all([...bodies].map(([key, body]) => copyObject(job(key, body.length), deps)));
    // Assess
    for (const [key, body] of bodies) {
      expect(destination.objects.get(key)?.body.equals(body), key).toBe(true);
    }
    expect(gets.most).toBeLessThanOrEqual(12);
    expect(gets.most).toBeGreaterThan(4);
    expect(deps.budget.peak).toBeLessThanOrEqual(20 * MIB);
    expect(gets.hugeMost).toBeGreaterThan(1);
  });

  it("keep to MaxThread for one object when an ini sets it", async () => {
    // Prepare: 12 connections, but MaxThread 2.
    const { source, bodies, gets } = countedSource(40 * MIB, 0);
    const destination = new FakeS3();
    const deps = depsOver(source, destination, {
      connections: 12,
      budgetMiB: 64,
      options: { maxThread: 2 },
    });
    // Act
    await copyObject(job("huge", 40 * MIB), deps);
    // Assess
    expect(destination.objects.get("huge")?.body.equals(bodies.get("huge") as Buffer)).toBe(true);
    expect(gets.hugeMost).toBe(2);
  });

  it("read a multipart object's parts through the bandwidth cap", async () => {
    // Prepare: 12 MiB in 5 MiB parts, capped at 24 MiB/s.
    const { source, bodies } = countedSource(12 * MIB, 0);
    const destination = new FakeS3();
    const deps = {
      ...depsOver(source, destination, { connections: 12, budgetMiB: 64 }),
      bandwidth: new BandwidthCap(24 * MIB),
    };
    // Act
    const started = performance.now();
    await copyObject(job("huge", 12 * MIB), deps);
    const seconds = (performance.now() - started) / 1000;
    // Assess: no faster than the cap allows (a lower bound only: a slow machine cannot fail it).
    expect(destination.objects.get("huge")?.body.equals(bodies.get("huge") as Buffer)).toBe(true);
    expect(12 / seconds).toBeLessThanOrEqual(24 * 1.1);
  });
});
