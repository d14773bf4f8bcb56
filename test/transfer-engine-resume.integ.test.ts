import { UploadPartCommand } from "@aws-sdk/client-s3";
import { destroyClients, RetryableError } from "@s3-migration/common";
import { type CopyResult, copyObject, type TransferDeps } from "@s3-migration/worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bytes,
  type EngineFixture,
  engineFixture,
  get,
  MIB,
  put,
  setRgwOption,
} from "./support/engine.js";
import { LedgerRecord } from "./support/ledger.js";

/**
 * The copy ended because the test aborted its signal, and says so: a RetryableError (the
 * worker keeps the message; the upload stays for resume) caused by the abort, which reaches it
 * as the test's own reason (a wait cut short), the SDK's AbortError (a request cancelled) or
 * Node's "aborted" reset (a response body cut off).
 */
function expectStoppedByTest(err: unknown, reason: Error): void {
  expect(err).toBeInstanceOf(RetryableError);
  const cause = (err as Error).cause as { name?: string; message?: string; code?: string };
  expect(cause).toSatisfy(
    (c: typeof cause) =>
      c === reason ||
      c?.name === "AbortError" ||
      (c?.code === "ECONNRESET" && c.message === "aborted"),
    "the cause is the test's abort",
  );
}
describe("copyObject on the local stack", () => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await engineFixture("engine");
  });
  afterAll(async () => {
    await f.cleanup();
    destroyClients(f.clients);
  });

  const job: EngineFixture["job"] = (...args) => f.job(...args);

  it("resumes after being stopped at random points, re-sending only the missing parts", async () => {
    // Prepare: 12 parts, 2 in flight; every attempt is stopped after 1-3 more parts.
    const key = "resume/killed-many-times.bin";
    const size = 58 * MIB + 3;
    const body = bytes(size);
    await put(f.clients.sourceS3, f.srcBucket, key, body);
    const deps = f.deps({ maxThread: 2 });
    const record = new LedgerRecord(); // the object's status item, across attempts
    let confirmed = 0; // parts the destination has acknowledged so far, over all attempts
    let result: CopyResult | undefined;
    let stops = 0;
    // Act
    for (let attempt = 0; result === undefined && attempt < 30; attempt++) {
      const controller = new AbortController();
      const reason = new Error("stopped by test");
      const stopAfter = 1 + (attempt % 3);
      let seen = 0;
      let resumedWith: number | undefined;
      try {
        result = await copyObject(job(key, size), deps, {
          signal: controller.signal,
          ledger: record.claim(),
          onProgress: () => {
            seen++;
            if (seen === stopAfter) controller.abort(reason);
          },
        });
        resumedWith = result.partsReused;
      } catch (err) {
        expectStoppedByTest(err, reason);
        stops++;
      }
      // Assess: every attempt after the first keeps at least all parts confirmed before it.
      if (resumedWith !== undefined) expect(resumedWith).toBeGreaterThanOrEqual(confirmed);
      confirmed += seen;
    }
    expect(stops).toBeGreaterThanOrEqual(3);
    expect(result?.partsUploaded).toBeLessThanOrEqual(3);
    expect(result?.partsReused).toBe(12 - (result?.partsUploaded ?? 0));
    expect((await get(f.clients.destinationS3, f.dstBucket, key)).equals(body)).toBe(true);
  });

  it("re-sends a part corrupted on its way (BadDigest) and ends with the right bytes", async () => {
    // Prepare: flip one byte of part 2's body after its MD5 was computed, once.
    const key = "corrupt/part.bin";
    const size = 12 * MIB;
    const body = bytes(size);
    await put(f.clients.sourceS3, f.srcBucket, key, body);
    const base = f.deps();
    const sent: number[] = [];
    let corrupted = false;
    const destination = {
      send: (async (command: unknown, options?: unknown) => {
        if (command instanceof UploadPartCommand) {
          sent.push(command.input.PartNumber ?? 0);
          if (command.input.PartNumber === 2 && !corrupted) {
            corrupted = true;
            const flipped = Buffer.from(command.input.Body as Buffer);
            flipped[100] = (flipped[100] ?? 0) ^ 0x01;
            command.input.Body = flipped;
          }
        }
        return (base.destination.send as (c: unknown, o?: unknown) => Promise<unknown>)(
          command,
          options,
        );
      }) as TransferDeps["destination"]["send"],
    };
    // Act
    const result = await copyObject(job(key, size), { ...base, destination });
    // Assess
    expect(corrupted).toBe(true);
    expect(sent.filter((n) => n === 2)).toHaveLength(2);
    expect(result.partsUploaded).toBe(3);
    expect((await get(f.clients.destinationS3, f.dstBucket, key)).equals(body)).toBe(true);
  });

  describe("with 64 KiB parts (rgw_multipart_min_part_size lowered for this test)", () => {
    beforeAll(() => setRgwOption("rgw_multipart_min_part_size", String(64 * 1024)));
    afterAll(() => setRgwOption("rgw_multipart_min_part_size", String(5 * MIB)));

    it("resumes an upload of more than 1,000 parts (ListParts paginated)", async () => {
      // Prepare: 1,100 parts; the first attempt stops after 1,050 of them.
      const key = "many-parts/1100.bin";
      const partSize = 64 * 1024;
      const size = 1100 * partSize - 5;
      const body = bytes(size);
      await put(f.clients.sourceS3, f.srcBucket, key, body);
      const deps = f.deps({
        resumableThresholdBytes: 0,
        chunkSizeBytes: partSize,
        minPartSizeBytes: partSize,
        maxThread: 16,
      });
      const controller = new AbortController();
      const reason = new Error("stopped by test");
      const record = new LedgerRecord();
      let seen = 0;
      const stopped = await copyObject(job(key, size), deps, {
        signal: controller.signal,
        ledger: record.claim(),
        onProgress: () => {
          if (++seen === 1050) controller.abort(reason);
        },
      }).catch((err: unknown) => err);
      expectStoppedByTest(stopped, reason);
      // Act
      const result = await copyObject(job(key, size), deps, { ledger: record.claim() });
      // Assess
      expect(result.parts).toBe(1100);
      expect(result.partsReused).toBeGreaterThanOrEqual(1050);
      expect(result.partsReused + result.partsUploaded).toBe(1100);
      expect((await get(f.clients.destinationS3, f.dstBucket, key)).equals(body)).toBe(true);
    });
  });
});
