import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { createLogger } from "@s3-migration/common";
import { describe, expect, it } from "vitest";
import { leanPaths } from "../lean-s3/lean-s3.js";
import { FakeS3 } from "../testing/fake-s3.js";
import { recordingClient } from "../testing/recording-client.js";
import { type LooseSend, MIB, streamingSource, testOptions } from "../testing/transfer-fixtures.js";
import { copyObject } from "./copy-object.js";
import { STREAM_RESERVE_BYTES } from "./copy-small.js";
import { MemoryBudget } from "./memory/memory-budget.js";
import type { TransferDeps } from "./transfer/copy-types.js";

const OPTIONS = testOptions({ resumableThresholdBytes: 16 * MIB });
const JOB = { srcBucket: "src", srcKey: "k", dstBucket: "dst", dstKey: "k" };
const md5hex = (b: Buffer) => createHash("md5").update(b).digest("hex");

/** The fake S3 with GET bodies as streams (as the SDK gives them) and stream PUT bodies read. */
function streamingFakes(): { source: FakeS3; destination: FakeS3; deps: TransferDeps } {
  const source = new FakeS3();
  const destination = new FakeS3();
  const deps: TransferDeps = {
    source: streamingSource(source),
    destination: {
      send: (async (command: unknown, options?: unknown) => {
        if (command instanceof PutObjectCommand && command.input.Body instanceof Readable) {
          const chunks: Buffer[] = [];
          for await (const chunk of command.input.Body) chunks.push(chunk as Buffer);
          command.input.Body = Buffer.concat(chunks);
        }
        return (destination.send as unknown as LooseSend)(command, options);
      }) as TransferDeps["destination"]["send"],
    },
    budget: new MemoryBudget(64 * MIB),
    options: OPTIONS,
    logger: createLogger({ service: "test", level: "error" }),
  };
  return { source, destination, deps };
}

describe("copySmallObject", () => {
  it.each([
    ["buffers", 512 * 1024, 512 * 1024],
    ["streams", 3 * MIB, STREAM_RESERVE_BYTES],
  ])("%s a body of %i bytes, reserving %i bytes of the budget", async (_how, size, reserved) => {
    // Prepare
    const { source, destination, deps } = streamingFakes();
    const body = randomBytes(size);
    source.putObject("k", body);
    // Act
    const result = await copyObject({ ...JOB, size }, deps);
    // Assess
    expect(result).toMatchObject({ method: "single-put", checksum: "source-md5" });
    expect(deps.budget.peak).toBe(reserved);
    expect(destination.objects.get("k")?.body.equals(body)).toBe(true);
  });

  it("hashes the body itself when the source's ETag is not its MD5", async () => {
    const { source, destination, deps } = streamingFakes();
    const body = randomBytes(3 * MIB);
    source.putObject("k", body, [2 * MIB, MIB]);
    const result = await copyObject({ ...JOB, size: body.length }, deps);
    expect(result).toMatchObject({ method: "single-put", checksum: "worker-md5" });
    expect(destination.objects.get("k")?.etag).toBe(md5hex(body));
  });

  it("hands a multipart source above one part to the multipart path, to mirror its ETag", async () => {
    // Prepare: a 12 MiB source uploaded in 8 MiB parts, under a 16 MiB threshold.
    const { source, destination, deps } = streamingFakes();
    const body = randomBytes(12 * MIB);
    source.putObject("k", body, 8 * MIB);
    // Act
    const result = await copyObject({ ...JOB, size: body.length }, deps);
    // Assess
    expect(result).toMatchObject({ method: "multipart", checksum: "mirror-etag", parts: 2 });
    expect(destination.objects.get("k")?.etag).toBe(source.objects.get("k")?.etag);
  });

  it("goes through the lean path first and retries through the SDK", async () => {
    // Prepare: the destination fails the first PUT with a 500.
    const body = Buffer.from("hello, world");
    const etag = `"${md5hex(body)}"`;
    const src = recordingClient(() => ({ body, headers: { etag } }));
    let puts = 0;
    const dst = recordingClient(() =>
      puts++ === 0
        ? { status: 500, body: "<Error><Code>InternalError</Code></Error>" }
        : { headers: { etag } },
    );
    const deps: TransferDeps = {
      source: src.client,
      destination: dst.client,
      budget: new MemoryBudget(MIB),
      options: OPTIONS,
      logger: createLogger({ service: "test", level: "error" }),
      lean: leanPaths(src.client, dst.client),
    };
    // Act
    const result = await copyObject({ ...JOB, size: body.length }, deps);
    // Assess: lean requests carry no SDK user agent; the retry's do.
    expect(result).toMatchObject({ checksum: "source-md5", etag: md5hex(body) });
    const sdk = (r: { headers: Record<string, string> } | undefined) =>
      r?.headers["amz-sdk-invocation-id"] !== undefined;
    expect(src.sent.map(sdk)).toEqual([false, true]);
    expect(dst.sent.map(sdk)).toEqual([false, true]);
    expect(dst.sent.map((r) => r.headers["content-md5"])).toEqual([
      Buffer.from(md5hex(body), "hex").toString("base64"),
      Buffer.from(md5hex(body), "hex").toString("base64"),
    ]);
  });

  it("sends everything through the SDK when no lean paths are handed in", async () => {
    const body = Buffer.from("hello");
    const etag = `"${md5hex(body)}"`;
    const src = recordingClient(() => ({ body, headers: { etag } }));
    const dst = recordingClient(() => ({ headers: { etag } }));
    await copyObject(
      { ...JOB, size: body.length },
      {
        source: src.client,
        destination: dst.client,
        budget: new MemoryBudget(MIB),
        options: OPTIONS,
        logger: createLogger({ service: "test", level: "error" }),
      },
    );
    expect(
      [...src.sent, ...dst.sent].every((r) => r.headers["amz-sdk-invocation-id"] !== undefined),
    ).toBe(true);
  });
});
