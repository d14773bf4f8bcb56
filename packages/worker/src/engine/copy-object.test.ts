import { randomBytes } from "node:crypto";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { createLogger, ObjectError, RetryableError } from "@s3-migration/common";
import { describe, expect, it } from "vitest";
import { FakeS3 } from "../testing/fake-s3.js";
import { MIB, testOptions } from "../testing/transfer-fixtures.js";
import { copyObject } from "./copy-object.js";
import { MemoryBudget } from "./memory/memory-budget.js";
import type { TransferDeps } from "./transfer/copy-types.js";

const OPTIONS = testOptions();
const JOB = { srcBucket: "src", srcKey: "k", dstBucket: "dst", dstKey: "k" };

function setup(source = new FakeS3()) {
  const destination = new FakeS3();
  const deps: TransferDeps = {
    source,
    destination,
    budget: new MemoryBudget(64 * MIB),
    options: OPTIONS,
    logger: createLogger({ service: "test", level: "error" }),
  };
  return { source, destination, deps };
}

/** Wraps a fake so that the GET of the given range returns one flipped byte, `times` times. */
function corruptRange(fake: FakeS3, rangeStart: number, times: number): FakeS3 {
  const send = fake.send;
  let left = times;
  Object.defineProperty(fake, "send", {
    value: async (command: unknown, options?: unknown) => {
      const out = await (send as (c: unknown, o?: unknown) => Promise<Record<string, unknown>>)(
        command,
        options,
      );
      const range = command instanceof GetObjectCommand ? command.input.Range : undefined;
      if (range?.startsWith(`bytes=${rangeStart}-`) && left > 0) {
        left--;
        const body = out.Body as { transformToByteArray: () => Promise<Uint8Array> };
        const bytes = Buffer.from(await body.transformToByteArray());
        bytes[7] = (bytes[7] ?? 0) ^ 0x10;
        return { ...out, Body: { transformToByteArray: async () => new Uint8Array(bytes) } };
      }
      return out;
    },
  });
  return fake;
}

describe("copyObject (against an AWS-like fake)", () => {
  it("cuts a multipart source on its own boundaries, so the ETags must match", async () => {
    // Prepare: a source uploaded in 8 MiB parts; our own ChunkSize is 5 MiB.
    const { source, destination, deps } = setup();
    const body = randomBytes(20 * MIB + 3);
    source.putObject("k", body, 8 * MIB);
    // Act
    const result = await copyObject({ ...JOB, size: body.length }, deps);
    // Assess
    expect(result).toMatchObject({ checksum: "mirror-etag", parts: 3 });
    expect(destination.objects.get("k")?.etag).toBe(source.objects.get("k")?.etag);
    expect(destination.objects.get("k")?.body.equals(body)).toBe(true);
  });

  it("falls back to its own parts when the source's cut is uneven at the end", async () => {
    const { source, deps } = setup();
    const body = randomBytes(21 * MIB);
    source.putObject("k", body, [8 * MIB, 8 * MIB, 4 * MIB, MIB]);
    const result = await copyObject({ ...JOB, size: body.length }, deps);
    expect(result).toMatchObject({ checksum: "worker-md5", parts: 5 });
  });

  it("keeps a copy whose source was cut unevenly in the middle, verified by the worker", async () => {
    const { source, destination, deps } = setup();
    const body = randomBytes(29 * MIB);
    source.putObject("k", body, [8 * MIB, 7 * MIB, 9 * MIB, 5 * MIB]);
    const result = await copyObject({ ...JOB, size: body.length }, deps);
    expect(result.checksum).toBe("worker-md5");
    expect(destination.objects.get("k")?.body.equals(body)).toBe(true);
  });

  it("catches bytes changed between source and worker, and leaves no corrupt object", async () => {
    // Prepare: part 2's bytes are flipped on their way from the source, on the first attempt.
    const { source, destination, deps } = setup(corruptRange(new FakeS3(), 8 * MIB, 1));
    const body = randomBytes(20 * MIB);
    source.putObject("k", body, 8 * MIB);
    // Act
    const first = await copyObject({ ...JOB, size: body.length }, deps).catch((e: unknown) => e);
    // Assess: the worker's own MD5 could not see it; the source's ETag did.
    expect(first).toBeInstanceOf(RetryableError);
    expect(String((first as Error).message)).toContain("bytes changed between source and worker");
    expect(destination.objects.has("k")).toBe(false);
    const second = await copyObject({ ...JOB, size: body.length }, deps);
    expect(second.checksum).toBe("mirror-etag");
    expect(destination.objects.get("k")?.body.equals(body)).toBe(true);
  });

  it("catches a small object changed on its way through the source's own MD5", async () => {
    // Prepare: every GET of the object returns it with its first byte flipped.
    const { source, destination, deps } = setup();
    source.putObject("k", randomBytes(1000));
    // Act
    const err = await copyObject(
      { ...JOB, size: 1000 },
      {
        ...deps,
        source: {
          send: (async (command: unknown) => {
            const out = (await source.send(command as GetObjectCommand)) as unknown as Record<
              string,
              unknown
            >;
            const bytes = Buffer.from(source.objects.get("k")?.body ?? []);
            bytes[0] = (bytes[0] ?? 0) ^ 1;
            return { ...out, Body: { transformToByteArray: async () => new Uint8Array(bytes) } };
          }) as TransferDeps["source"]["send"],
        },
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect(destination.objects.has("k")).toBe(false);
  });

  it("reports a missing source as an object error and leaves no upload behind", async () => {
    const { destination, deps } = setup();
    const err = await copyObject({ ...JOB, size: 50 * MIB }, deps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectError);
    expect(destination.uploads.size).toBe(0);
  });
});
