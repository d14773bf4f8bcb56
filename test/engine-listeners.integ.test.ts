import { destroyClients } from "@s3-migration/common";
import { ConnectionPool, copyObject } from "@s3-migration/worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytes, type EngineFixture, engineFixture, get, MIB, put } from "./support/engine.js";

/**
 * Dozens of parts of one object in flight through the real SDK clients: every request hangs
 * abort listeners on the object's signal (the SDK's retry and HTTP handler), and Node warns
 * "MaxListenersExceededWarning: Possible EventTarget memory leak" past 10 unless the signal
 * says more are expected. In a worker's journal that warning reads like a leak.
 */
describe("a multipart copy with many parts in flight", () => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await engineFixture("listeners");
  });
  afterAll(async () => {
    await f.cleanup();
    destroyClients(f.clients);
  });

  it("copies 16 parts at once without a MaxListenersExceededWarning", async () => {
    // Prepare: 80 MiB in 5 MiB parts, all in flight together.
    const body = bytes(80 * MIB);
    await put(f.clients.sourceS3, f.srcBucket, "many-parts.bin", body);
    const deps = {
      ...f.deps({ resumableThresholdBytes: 0, maxThread: undefined }),
      connections: new ConnectionPool(64),
    };
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on("warning", onWarning);
    try {
      // Act
      const result = await copyObject(f.job("many-parts.bin", body.length), deps);
      await new Promise((r) => setImmediate(r));
      // Assess
      expect(result.parts).toBe(16);
    } finally {
      process.off("warning", onWarning);
    }
    expect((await get(f.clients.destinationS3, f.dstBucket, "many-parts.bin")).equals(body)).toBe(
      true,
    );
    expect(warnings.filter((w) => w.startsWith("MaxListenersExceededWarning"))).toEqual([]);
  });
});
