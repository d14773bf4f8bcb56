import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { GetObjectCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { createLogger, RetryableError } from "@s3-migration/common";
import { describe, expect, it } from "vitest";
import { copyObject } from "./copy-object.js";
import type { TransferDeps } from "./copy-types.js";
import { MemoryBudget } from "./memory-budget.js";
import { FakeS3 } from "./testing/fake-s3.js";
import type { TransferOptions } from "./transfer-options.js";

const MIB = 1024 * 1024;
const OPTIONS: TransferOptions = {
  resumableThresholdBytes: 0,
  chunkSizeBytes: 5 * MIB,
  minPartSizeBytes: 5 * MIB,
  maxThread: 4,
  maxRetry: 2,
  cleanUnfinishedUpload: false,
  storageClass: "STANDARD",
  getObjectWithVersionId: false,
  updateVersionId: false,
  destinationSse: "NONE",
  destinationKmsKeyId: "",
  copyObjectTags: false,
  maxSourceRestarts: 3,
  retryBaseDelayMs: 1,
};
const JOB = { srcBucket: "src", srcKey: "k", dstBucket: "dst", dstKey: "k" };
const tick = () => new Promise((r) => setImmediate(r));

type Send = (command: unknown, options?: unknown) => Promise<Record<string, unknown>>;

/** The fake's GET bodies as streams of 64 KiB chunks, one per event-loop turn (like a socket). */
function streamingSource(fake: FakeS3): TransferDeps["source"] {
  const send = fake.send as unknown as Send;
  return {
    send: (async (command: unknown, options?: unknown) => {
      const out = await send(command, options);
      if (!(command instanceof GetObjectCommand)) return out;
      const body = (out.Body as { transformToByteArray: () => Promise<Uint8Array> })
        .transformToByteArray;
      const bytes = Buffer.from(await body());
      async function* chunks() {
        for (let at = 0; at < bytes.length; at += 64 * 1024) {
          await tick();
          yield bytes.subarray(at, at + 64 * 1024);
        }
      }
      return { ...out, Body: Readable.from(chunks()) };
    }) as TransferDeps["source"]["send"],
  };
}

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
          return (destination.send as unknown as Send)(command, options);
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
    const send = source.send as unknown as Send;
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
});
