import { randomBytes } from "node:crypto";
import { CreateMultipartUploadCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { createLogger, RetryableError } from "@s3-migration/common";
import { describe, expect, it } from "vitest";
import { leanPaths } from "../lean-s3/lean-s3.js";
import { FakeS3 } from "../testing/fake-s3.js";
import { recordingClient } from "../testing/recording-client.js";
import { type LooseSend, MIB, testOptions } from "../testing/transfer-fixtures.js";
import { copyObject } from "./copy-object.js";
import { MemoryBudget } from "./memory/memory-budget.js";
import type { TransferDeps } from "./transfer/copy-types.js";
import type { TransferOptions } from "./transfer/transfer-options.js";

const JOB = { srcBucket: "src", srcKey: "k", dstBucket: "dst", dstKey: "k" };
const KMS_KEY = "arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ago = (seconds: number) => new Date(Date.now() - seconds * 1000);

function deps(
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
function sourceWith(size: number): { source: FakeS3; body: Buffer } {
  const source = new FakeS3();
  const body = randomBytes(size);
  source.putObject("k", body);
  return { source, body };
}

/** The fake behind a `send` that records the input of every command of class `type`. */
function recordingInputs<T>(
  fake: FakeS3,
  type: abstract new (...args: never[]) => { input: T },
): { destination: TransferDeps["destination"]; inputs: T[] } {
  const inputs: T[] = [];
  const send = fake.send as unknown as LooseSend;
  const destination = {
    send: (async (command: unknown, options?: unknown) => {
      if (command instanceof type) inputs.push(command.input);
      return send(command, options);
    }) as TransferDeps["destination"]["send"],
  };
  return { destination, inputs };
}

describe("copyObject with CleanUnfinishedUpload", () => {
  it.each([
    [true, "aborts the older unfinished uploads of the key"],
    [false, "leaves the older unfinished uploads of the key"],
  ])("cleanUnfinishedUpload %s %s, resumes the newest, and spares other keys", async (clean) => {
    // Prepare: three uploads of "k" started after the source was written, one of "k/other".
    const { source, body } = sourceWith(12 * MIB);
    const destination = new FakeS3();
    const older = [destination.startUpload("k", ago(50)), destination.startUpload("k", ago(40))];
    const newest = destination.startUpload("k", ago(30));
    const otherKey = destination.startUpload("k/other", ago(45));
    // Act
    const result = await copyObject(
      { ...JOB, size: body.length },
      deps(source, destination, { cleanUnfinishedUpload: clean }),
    );
    // Assess
    expect(result.uploadId).toBe(newest);
    expect(destination.objects.get("k")?.body.equals(body)).toBe(true);
    expect([...destination.uploads.keys()]).toEqual(clean ? [otherKey] : [...older, otherKey]);
    expect(destination.commands.filter((c) => c === "AbortMultipartUploadCommand")).toHaveLength(
      clean ? 2 : 0,
    );
  });
});

describe("copyObject with a destination listing more unfinished uploads than one page", () => {
  it("finds this key's newest upload on a later page and resumes its parts", async () => {
    // Prepare: two uploads per ListMultipartUploads page. "k" has four uploads (pages 1–2),
    // the newest holding parts 1 and 2 of the object's 5 + 5 + 2 MiB; "k.old" and "k/x"
    // (same prefix) fill pages 3–4.
    const { source, body } = sourceWith(12 * MIB);
    const destination = new FakeS3({ maxPageSize: 2 });
    destination.startUpload("k", ago(55));
    destination.startUpload("k", ago(50));
    const newest = destination.startUpload("k", ago(20));
    destination.startUpload("k", ago(45));
    destination.startUpload("k.old", ago(10));
    destination.startUpload("k/x", ago(5));
    destination.startUpload("k/x", ago(4));
    for (const partNumber of [1, 2]) {
      const part = body.subarray((partNumber - 1) * 5 * MIB, partNumber * 5 * MIB);
      await destination.send(
        new UploadPartCommand({
          Bucket: "dst",
          Key: "k",
          UploadId: newest,
          PartNumber: partNumber,
          Body: part,
        }),
      );
    }
    destination.commands.length = 0;
    // Act
    const result = await copyObject({ ...JOB, size: body.length }, deps(source, destination));
    // Assess
    expect(result).toMatchObject({ uploadId: newest, parts: 3, partsReused: 2, partsUploaded: 1 });
    expect(destination.objects.get("k")?.body.equals(body)).toBe(true);
    expect(destination.commands.filter((c) => c === "ListMultipartUploadsCommand")).toHaveLength(4);
  });
});

describe("copyObject with CopyObjectTags off", () => {
  it.each([
    ["a single PUT", MIB],
    ["a multipart copy", 12 * MIB],
  ])("asks the source for no tags in %s", async (_how, size) => {
    // Prepare: the fake answers no GetObjectTagging (it would fail the copy).
    const { source, body } = sourceWith(size);
    const destination = new FakeS3();
    // Act
    await copyObject({ ...JOB, size }, deps(source, destination, { copyObjectTags: false }));
    // Assess
    expect(source.commands).not.toContain("GetObjectTaggingCommand");
    expect(destination.objects.get("k")?.body.equals(body)).toBe(true);
  });
});

describe("copyObject with SSE-KMS at the destination", () => {
  const KMS = { destinationSse: "aws:kms", destinationKmsKeyId: KMS_KEY } as const;

  it.each([
    ["lean path", true],
    ["SDK", false],
  ])("sends ServerSideEncryption and SSEKMSKeyId with the PutObject (%s)", async (_how, lean) => {
    // Prepare: the destination answers with an ETag that is not the MD5, as SSE-KMS does.
    const body = Buffer.from("encrypted at rest");
    const src = recordingClient(() => ({
      body,
      headers: { etag: '"0cc175b9c0f1b6a831c399e269772661"' },
    }));
    const dst = recordingClient(() => ({
      headers: { etag: '"f0e1d2c3b4a5968778695a4b3c2d1e0f"' },
    }));
    const d = deps(src.client, dst.client, KMS);
    // Act
    await copyObject(
      { ...JOB, size: body.length },
      lean ? { ...d, lean: leanPaths(src.client, dst.client) } : d,
    );
    // Assess
    const put = dst.sent.find((r) => r.method === "PUT");
    expect(put?.headers).toMatchObject({
      "x-amz-server-side-encryption": "aws:kms",
      "x-amz-server-side-encryption-aws-kms-key-id": KMS_KEY,
    });
  });

  it.each([
    ["a single PUT", MIB],
    ["a multipart copy", 12 * MIB],
  ])("completes %s whose destination ETags are not MD5s", async (_how, size) => {
    // Prepare: a bucket encrypting with SSE-KMS by default (ETags that are not MD5s).
    const { source, body } = sourceWith(size);
    const fake = new FakeS3({ defaultSse: "aws:kms" });
    const { destination, inputs } = recordingInputs(fake, CreateMultipartUploadCommand);
    // Act
    const result = await copyObject({ ...JOB, size }, deps(source, destination, KMS));
    // Assess
    expect(result.bytes).toBe(size);
    expect(fake.objects.get("k")?.body.equals(body)).toBe(true);
    expect(result.etag).toBe(fake.objects.get("k")?.etag);
    for (const input of inputs) {
      expect(input).toMatchObject({ ServerSideEncryption: "aws:kms", SSEKMSKeyId: KMS_KEY });
    }
    expect(inputs).toHaveLength(size > 5 * MIB ? 1 : 0);
  });

  it.each([
    ["a single PUT", MIB],
    ["a multipart copy", 12 * MIB],
  ])("fails %s whose ETags are not MD5s when SSE-KMS is not configured", async (_how, size) => {
    // Prepare: the same bucket, the engine told nothing about KMS.
    const { source } = sourceWith(size);
    const destination = new FakeS3({ defaultSse: "aws:kms" });
    // Act
    const err = await copyObject({ ...JOB, size }, deps(source, destination)).catch(
      (e: unknown) => e,
    );
    // Assess
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).message).toMatch(/destination ETag .* does not match the MD5/);
  });
});
