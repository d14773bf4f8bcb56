import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { createLogger } from "@s3-migration/common";
import { MemoryBudget } from "../engine/memory/memory-budget.js";
import type { TransferDeps } from "../engine/transfer/copy-types.js";
import type { TransferOptions } from "../engine/transfer/transfer-options.js";
import { FakeS3 } from "./fake-s3.js";

export const MIB = 1024 * 1024;

/** The engine's unit-test settings: 5 MiB parts, 4 in flight, fast retries. */
export function testOptions(overrides: Partial<TransferOptions> = {}): TransferOptions {
  return {
    resumableThresholdBytes: 5 * MIB,
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
    ...overrides,
  };
}

/** The job of "k" from bucket "src" to "dst"; add its `size`. */
export const JOB = { srcBucket: "src", srcKey: "k", dstBucket: "dst", dstKey: "k" };

/** The engine's deps over two clients: a 64 MiB budget, {@link testOptions}, a quiet logger. */
export function testDeps(
  source: TransferDeps["source"],
  destination: TransferDeps["destination"],
  options: Partial<TransferOptions> = {},
): TransferDeps {
  return {
    source,
    destination,
    budget: new MemoryBudget(64 * MIB),
    options: testOptions(options),
    logger: createLogger({ service: "test", level: "error" }),
  };
}

/** A source holding `size` random bytes at "k", written a minute ago (single-part ETag). */
export function sourceWith(size: number): { source: FakeS3; body: Buffer } {
  const source = new FakeS3();
  const body = randomBytes(size);
  source.putObject("k", body);
  return { source, body };
}

/** The fake's `send`, typed loosely for wrappers. */
export type LooseSend = (command: unknown, options?: unknown) => Promise<Record<string, unknown>>;

const tick = () => new Promise((r) => setImmediate(r));

/**
 * The fake as a source whose GET bodies are streams of 64 KiB chunks, one per event-loop turn,
 * as the SDK's socket-backed bodies are (the fake itself answers with a byte source).
 */
export function streamingSource(fake: FakeS3): TransferDeps["source"] {
  const send = fake.send as unknown as LooseSend;
  return {
    send: (async (command: unknown, options?: unknown) => {
      const out = await send(command, options);
      if (!(command instanceof GetObjectCommand)) return out;
      const body = out.Body as { transformToByteArray: () => Promise<Uint8Array> };
      const bytes = Buffer.from(await body.transformToByteArray());
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
