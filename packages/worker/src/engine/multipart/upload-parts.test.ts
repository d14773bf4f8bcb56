import { randomBytes } from "node:crypto";
import { PassThrough } from "node:stream";
import { GetObjectCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { createLogger, RetryableError } from "@s3-migration/common";
import { describe, expect, it } from "vitest";
import { FakeS3 } from "../../testing/fake-s3.js";
import {
  type LooseSend,
  MIB,
  streamingSource,
  testOptions,
} from "../../testing/transfer-fixtures.js";
import { copyObject } from "../copy-object.js";
import { Md5Threads } from "../hashing/md5-threads.js";
import { MemoryBudget } from "../memory/memory-budget.js";
import type { TransferDeps } from "../transfer/copy-types.js";

const OPTIONS = testOptions({ resumableThresholdBytes: 0 });
const JOB = { srcBucket: "src", srcKey: "k", dstBucket: "dst", dstKey: "k" };
const tick = () => new Promise((r) => setImmediate(r));

describe("uploadParts (part buffers reused from part to part)", () => {
  it("never sends a buffer still being filled, and never reuses one whose upload failed", async () => {
    // Prepare: 8 parts, 4 in flight, each "socket write" spanning several event-loop turns
    // while other parts are being filled; the first upload of part 3 fails after its write.
    const source = new FakeS3();
    const destination = new FakeS3();
    const body = randomBytes(40 * MIB);
    source.putObject("k", body);
    const changedDuringSend: number[] = [];
    const failed: { bytes: Uint8Array; snapshot: Buffer }[] = [];
    const sentBuffers = new Set<ArrayBufferLike>();
    let failures = 0;
    const deps: TransferDeps = {
      source: streamingSource(source),
      destination: {
        send: (async (command: unknown, options?: unknown) => {
          if (command instanceof UploadPartCommand) {
            const sent = command.input.Body as Uint8Array;
            const snapshot = Buffer.from(sent);
            for (let i = 0; i < 5; i++) await tick();
            if (!snapshot.equals(sent)) changedDuringSend.push(command.input.PartNumber ?? 0);
            if (command.input.PartNumber === 3 && failures++ === 0) {
              failed.push({ bytes: sent, snapshot });
              throw Object.assign(new Error("connection reset"), { name: "ECONNRESET" });
            }
            sentBuffers.add(sent.buffer);
          }
          return (destination.send as unknown as LooseSend)(command, options);
        }) as TransferDeps["destination"]["send"],
      },
      budget: new MemoryBudget(64 * MIB),
      options: OPTIONS,
      logger: createLogger({ service: "test", level: "error" }),
    };
    // Act
    const result = await copyObject({ ...JOB, size: body.length }, deps);
    // Assess: every part went out whole and unchanged, the failed part's buffer was never
    // written again, the others were reused, and the object is right.
    expect(result).toMatchObject({ parts: 8, partsUploaded: 8 });
    expect(changedDuringSend).toEqual([]);
    expect(failed).toHaveLength(1);
    expect(Buffer.from(failed[0]?.bytes ?? []).equals(failed[0]?.snapshot ?? Buffer.alloc(1))).toBe(
      true,
    );
    expect(sentBuffers.has(failed[0]?.bytes.buffer ?? new ArrayBuffer(0))).toBe(false);
    expect(sentBuffers.size).toBeLessThan(8);
    expect(destination.objects.get("k")?.body.equals(body)).toBe(true);
  });

  it("keeps no more part buffers than MaxThread × part size per object", async () => {
    const source = new FakeS3();
    const destination = new FakeS3();
    const body = randomBytes(38 * MIB);
    source.putObject("k", body);
    const budget = new MemoryBudget(512 * MIB);
    const deps: TransferDeps = {
      source: streamingSource(source),
      destination,
      budget,
      options: OPTIONS,
      logger: createLogger({ service: "test", level: "error" }),
    };
    await copyObject({ ...JOB, size: body.length }, deps);
    expect(budget.peak).toBeLessThanOrEqual(4 * 5 * MIB);
    expect(destination.objects.get("k")?.body.equals(body)).toBe(true);
  });

  it("rejects a ranged GET that answers with more bytes than the part", async () => {
    // Prepare: the source ignores Range and answers with the whole object.
    const source = new FakeS3();
    const body = randomBytes(12 * MIB);
    source.putObject("k", body);
    const send = source.send as unknown as LooseSend;
    const deps: TransferDeps = {
      source: {
        send: (async (command: unknown, options?: unknown) => {
          if (command instanceof GetObjectCommand) delete command.input.Range;
          return send(command, options);
        }) as TransferDeps["source"]["send"],
      },
      destination: new FakeS3(),
      budget: new MemoryBudget(64 * MIB),
      options: OPTIONS,
      logger: createLogger({ service: "test", level: "error" }),
    };
    // Act
    const err = await copyObject({ ...JOB, size: body.length }, deps).catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).message).toMatch(/part 1: the source returned more than 5242880 bytes/);
  });

  it("hashes every part on the hasher threads when it has them, and the object is right", async () => {
    // Prepare: a hasher that counts the parts it hashed.
    const source = new FakeS3();
    const destination = new FakeS3();
    const body = randomBytes(38 * MIB);
    source.putObject("k", body);
    const threads = new Md5Threads(2);
    let started = 0;
    let fedBytes = 0;
    const deps: TransferDeps = {
      source: streamingSource(source),
      destination,
      budget: new MemoryBudget(64 * MIB),
      options: OPTIONS,
      logger: createLogger({ service: "test", level: "error" }),
      hasher: {
        start: () => {
          started++;
          const hash = threads.start();
          return {
            update: (bytes) => {
              fedBytes += bytes.length;
              hash.update(bytes);
            },
            digest: () => hash.digest(),
            cancel: () => hash.cancel(),
          };
        },
      },
    };
    // Act
    const result = await copyObject({ ...JOB, size: body.length }, deps).finally(() =>
      threads.close(),
    );
    // Assess: the fake checks each part's Content-MD5, as S3 does.
    expect(result).toMatchObject({ parts: 8, partsUploaded: 8, checksum: "worker-md5" });
    expect(started).toBe(8);
    expect(fedBytes).toBe(body.length);
    expect(destination.objects.get("k")?.body.equals(body)).toBe(true);
  });

  it("hashes a part on the main thread when its hasher thread fails, and says so", async () => {
    // Prepare: a hasher that always fails; warnings captured.
    const source = new FakeS3();
    const destination = new FakeS3();
    const body = randomBytes(12 * MIB);
    source.putObject("k", body);
    const stream = new PassThrough();
    const warnings: string[] = [];
    stream.on("data", (line: Buffer) => warnings.push(JSON.parse(line.toString()).message));
    const deps: TransferDeps = {
      source: streamingSource(source),
      destination,
      budget: new MemoryBudget(64 * MIB),
      options: OPTIONS,
      logger: createLogger({ service: "test", level: "warn", stream }),
      hasher: {
        start: () => ({
          update: () => undefined,
          digest: () => Promise.reject(new Error("hasher thread exited with code 1")),
          cancel: () => undefined,
        }),
      },
    };
    // Act
    const result = await copyObject({ ...JOB, size: body.length }, deps);
    // Assess
    expect(result).toMatchObject({ parts: 3, partsUploaded: 3 });
    expect(destination.objects.get("k")?.body.equals(body)).toBe(true);
    expect(warnings).toEqual(
      Array(3).fill("hasher thread failed; hashing the part on the main thread"),
    );
  });
});
