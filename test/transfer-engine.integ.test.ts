import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { destroyClients, RetryableError } from "@s3-migration/common";
import {
  type CopyResult,
  copyObject,
  LeaseLostError,
  type TransferDeps,
} from "@s3-migration/worker";
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
import { gate, interceptSend, passGate, type SendOutcome } from "./support/gates.js";
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

const HOSTILE_KEYS = [
  "中文/文件 名.bin",
  "emoji/😀🚀.dat",
  "spaces in key .txt",
  "a+b+c.txt",
  "100%/%2B%20literal.txt",
  "trailing/slash/",
];

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

  async function copyAndCompare(
    key: string,
    size: number,
    deps: TransferDeps,
  ): Promise<CopyResult> {
    const body = bytes(size);
    await put(f.clients.sourceS3, f.srcBucket, key, body, {
      ContentType: "application/x-test",
      CacheControl: "max-age=60",
      Metadata: { origin: "engine-test" },
    });
    const result = await copyObject(job(key, size), deps);
    expect((await get(f.clients.destinationS3, f.dstBucket, key)).equals(body)).toBe(true);
    const head = await f.clients.destinationS3.send(
      new HeadObjectCommand({ Bucket: f.dstBucket, Key: key }),
    );
    expect(head).toMatchObject({
      ContentType: "application/x-test",
      CacheControl: "max-age=60",
      Metadata: { origin: "engine-test" },
    });
    return result;
  }

  const T = 5 * MIB; // ResumableThreshold of config/local.ini
  it.each([
    ["0 B", 0],
    ["1 B", 1],
    ["threshold - 1", T - 1],
    ["threshold", T],
  ])("copies %s with one PUT checked by the source's own MD5", async (_what, size) => {
    const result = await copyAndCompare(`single/${size}`, size, f.deps());
    expect(result).toMatchObject({ method: "single-put", checksum: "source-md5", bytes: size });
  });

  it.each([
    ["threshold + 1", T + 1, 2],
    ["exactly one part", 5 * MIB, 1],
    ["one part + 1 byte", 5 * MIB + 1, 2],
    ["many parts", 23 * MIB + 17, 5],
  ])("copies %s as a verified multipart upload", async (_what, size, parts) => {
    const deps = size > T ? f.deps() : f.deps({ resumableThresholdBytes: 0 });
    const result = await copyAndCompare(`multi/${size}`, size, deps);
    expect(result).toMatchObject({
      method: "multipart",
      parts,
      partsReused: 0,
      partsUploaded: parts,
    });
  });

  it.each(HOSTILE_KEYS)("copies the key %j byte for byte, small and multipart", async (key) => {
    await copyAndCompare(key, 1000, f.deps());
    await copyAndCompare(`big/${key}`, 6 * MIB, f.deps());
  });

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

  it("starts over when the source is overwritten mid-copy, never mixing versions", async () => {
    // Prepare
    const key = "overwritten/object.bin";
    const size = 30 * MIB;
    const first = bytes(size);
    const second = bytes(size);
    await put(f.clients.sourceS3, f.srcBucket, key, first);
    const base = f.deps({ maxThread: 2 });
    let overwritten = false;
    // Act: the source is overwritten just before the second part is read.
    const source = {
      send: (async (command: unknown, options?: unknown) => {
        const range = command instanceof GetObjectCommand ? command.input.Range : undefined;
        if (range !== undefined && !range.startsWith("bytes=0-") && !overwritten) {
          overwritten = true;
          await put(f.clients.sourceS3, f.srcBucket, key, second);
        }
        return (base.source.send as (c: unknown, o?: unknown) => Promise<unknown>)(
          command,
          options,
        );
      }) as TransferDeps["source"]["send"],
    };
    const result = await copyObject(job(key, size), { ...base, source });
    // Assess
    const copied = await get(f.clients.destinationS3, f.dstBucket, key);
    expect(result.restarts).toBeGreaterThanOrEqual(1);
    expect(copied.equals(second)).toBe(true);
  });

  it("does not reuse a leftover upload cut with another part size, and aborts it", async () => {
    // Prepare: a newer-than-source upload of the same key with 6 MiB parts.
    const key = "leftover/other-layout.bin";
    const size = 14 * MIB;
    const body = bytes(size);
    await put(f.clients.sourceS3, f.srcBucket, key, body);
    const dst = f.clients.destinationS3;
    const { UploadId } = await dst.send(
      new CreateMultipartUploadCommand({ Bucket: f.dstBucket, Key: key }),
    );
    for (const partNumber of [1, 2]) {
      const part = body.subarray((partNumber - 1) * 6 * MIB, partNumber * 6 * MIB);
      await dst.send(
        new UploadPartCommand({
          Bucket: f.dstBucket,
          Key: key,
          UploadId,
          PartNumber: partNumber,
          Body: part,
        }),
      );
    }
    // Act
    const result = await copyObject(job(key, size), f.deps());
    // Assess
    expect(result).toMatchObject({ partsReused: 0, partsUploaded: 3 });
    expect((await get(dst, f.dstBucket, key)).equals(body)).toBe(true);
    const left = await dst.send(
      new ListMultipartUploadsCommand({ Bucket: f.dstBucket, Prefix: key }),
    );
    expect(left.Uploads ?? []).toEqual([]);
  });

  it("lets two copies of the same object run at once: the one that took the object over completes, the stale one stops before Complete", async () => {
    // Prepare: copy A claims the object and binds its upload; copy B then takes the object over
    // (A's lease is lost, as when A froze past it) and resumes the bound upload. A's parts wait
    // until B sends one of its own, so both write parts into the one upload at once; B's
    // Complete waits until A has stopped.
    const key = "duplicate/delivery.bin";
    const size = 21 * MIB;
    const body = bytes(size);
    await put(f.clients.sourceS3, f.srcBucket, key, body);
    const aBound = gate();
    const bUploading = gate();
    const aStopped = gate();
    const record = new LedgerRecord(() => aBound.open());
    const aSent: { command: object; outcome: SendOutcome }[] = [];
    const a = f.deps({ maxThread: 2 });
    const destinationA = interceptSend(a.destination, {
      before: async (command) => {
        if (command instanceof UploadPartCommand) await passGate(bUploading, "B sends a part");
      },
      after: (command, outcome) => aSent.push({ command, outcome }),
    });
    const b = f.deps({ maxThread: 2 });
    const destinationB = interceptSend(b.destination, {
      before: async (command) => {
        if (command instanceof UploadPartCommand) bUploading.open();
        if (command instanceof CompleteMultipartUploadCommand) await passGate(aStopped, "A stops");
      },
    });
    const aLedger = record.claim();
    // Act
    const aRun = copyObject(
      job(key, size),
      { ...a, destination: destinationA },
      { ledger: aLedger },
    )
      .catch((err: unknown) => err)
      .finally(() => aStopped.open());
    await passGate(aBound, "A binds its upload");
    const bLedger = record.claim();
    const resultB = await copyObject(
      job(key, size),
      { ...b, destination: destinationB },
      { ledger: bLedger },
    );
    const resultA = await aRun;
    // Assess: A wrote all its parts into the upload B resumed, then stopped at its lease check
    // without completing or aborting; B completed that upload into the one correct object.
    expect(resultA).toBe(aLedger.lost[0]);
    expect(resultA).toBeInstanceOf(LeaseLostError);
    const aParts = aSent.filter((s) => s.command instanceof UploadPartCommand);
    expect(aParts.map((s) => s.outcome.ok)).toEqual([true, true, true, true, true]);
    const aCommands = aSent.map((s) => s.command);
    expect(aCommands.some((c) => c instanceof CompleteMultipartUploadCommand)).toBe(false);
    expect(aCommands.some((c) => c instanceof AbortMultipartUploadCommand)).toBe(false);
    expect(record.bindings).toHaveLength(1);
    expect(resultB).toMatchObject({
      uploadId: record.bindings[0]?.uploadId,
      parts: 5,
      partsReused: 0,
      partsUploaded: 5,
    });
    expect(bLedger.confirms).toBe(1);
    expect((await get(f.clients.destinationS3, f.dstBucket, key)).equals(body)).toBe(true);
    const left = await f.clients.destinationS3.send(
      new ListMultipartUploadsCommand({ Bucket: f.dstBucket, Prefix: key }),
    );
    expect(left.Uploads ?? []).toEqual([]);
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
