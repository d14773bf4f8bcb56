import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { destroyClients } from "@s3-migration/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytes, type EngineFixture, engineFixture, put } from "./support/engine.js";
import { readStackEnv } from "./support/local-stack.js";
import { runOp } from "./support/run-op.js";
import { overridesEnv } from "./support/worker-fixture.js";

const lines = (stdout: string) =>
  stdout
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l));

describe("verify on the local stack", () => {
  let f: EngineFixture;
  let env: Record<string, string>;
  let flipped: Buffer;

  beforeAll(async () => {
    // Prepare: 20 small source objects under data/, copied to copy/; 64 KiB `flip.bin` is
    // written to the destination as a one-part multipart upload (so its ETag cannot be compared
    // with the source's MD5) with one byte changed.
    f = await engineFixture("ops-verify");
    for (let i = 0; i < 20; i++) {
      const body = bytes(1024 + i);
      await put(f.clients.sourceS3, f.srcBucket, `data/o-${i}`, body);
      await put(f.clients.destinationS3, f.dstBucket, `copy/o-${i}`, body);
    }
    const original = bytes(64 * 1024);
    flipped = Buffer.from(original);
    flipped[1000] = (flipped[1000] ?? 0) ^ 0xff;
    await put(f.clients.sourceS3, f.srcBucket, "data/flip.bin", original);
    const dst = f.clients.destinationS3;
    const { UploadId } = await dst.send(
      new CreateMultipartUploadCommand({ Bucket: f.dstBucket, Key: "copy/flip.bin" }),
    );
    const part = await dst.send(
      new UploadPartCommand({
        Bucket: f.dstBucket,
        Key: "copy/flip.bin",
        UploadId,
        PartNumber: 1,
        Body: flipped,
      }),
    );
    await dst.send(
      new CompleteMultipartUploadCommand({
        Bucket: f.dstBucket,
        Key: "copy/flip.bin",
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    const map = join(tmpdir(), `${f.dstBucket}-map.json`);
    writeFileSync(
      map,
      JSON.stringify([
        {
          src_bucket: f.srcBucket,
          src_prefix: "data",
          des_bucket: f.dstBucket,
          des_prefix: "copy",
        },
      ]),
    );
    env = {
      ...readStackEnv(),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      ...overridesEnv({ ssm_parameter_bucket: `file:${map}` }),
    };
  });
  afterAll(async () => {
    await f?.cleanup();
    if (f) destroyClients(f.clients);
  });

  it("passes a same-size flipped byte by listing and finds it with --deep", async () => {
    // Act
    const shallow = await runOp("verify", [], env);
    const deep = await runOp("verify", ["--deep", "--deep-concurrency", "2"], env);
    // Assess
    expect(shallow.code).toBe(0);
    expect(lines(shallow.stdout)).toEqual([]);
    expect(deep.code).toBe(1);
    expect(lines(deep.stdout)).toEqual([
      expect.objectContaining({
        kind: "content-differs",
        srcKey: "data/flip.bin",
        dstKey: "copy/flip.bin",
        srcSize: 65536,
        dstSize: 65536,
      }),
    ]);
    expect(deep.stderr).toContain("21 compared byte for byte");
  });

  it("reports missing, size, ETag and destination-only differences and exits 1", async () => {
    // Prepare
    await put(f.clients.sourceS3, f.srcBucket, "data/only-src", bytes(10));
    await put(f.clients.destinationS3, f.dstBucket, "copy/o-1", bytes(2000));
    await put(f.clients.destinationS3, f.dstBucket, "copy/o-2", bytes(1026));
    await put(f.clients.destinationS3, f.dstBucket, "copy/zz-extra", bytes(5));
    // Act
    const run = await runOp("verify", [], env);
    // Assess
    expect(run.code).toBe(1);
    expect(lines(run.stdout).map((d) => [d.kind, d.srcKey ?? d.dstKey])).toEqual([
      ["size-differs", "data/o-1"],
      ["etag-differs", "data/o-2"],
      ["missing", "data/only-src"],
      ["destination-only", "copy/zz-extra"],
    ]);
  });
});
