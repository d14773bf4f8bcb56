import { CreateMultipartUploadCommand } from "@aws-sdk/client-s3";
import { RetryableError } from "@s3-migration/common";
import { describe, expect, it } from "vitest";
import { leanPaths } from "../lean-s3/lean-s3.js";
import { FakeS3 } from "../testing/fake-s3.js";
import { recordingClient } from "../testing/recording-client.js";
import { JOB, type LooseSend, MIB, sourceWith, testDeps } from "../testing/transfer-fixtures.js";
import { copyObject } from "./copy-object.js";
import type { TransferDeps } from "./transfer/copy-types.js";

const KMS_KEY = "arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

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

describe("copyObject with CopyObjectTags off", () => {
  it.each([
    ["a single PUT", MIB],
    ["a multipart copy", 12 * MIB],
  ])("asks the source for no tags in %s", async (_how, size) => {
    // Prepare: the fake answers no GetObjectTagging (it would fail the copy).
    const { source, body } = sourceWith(size);
    const destination = new FakeS3();
    // Act
    await copyObject({ ...JOB, size }, testDeps(source, destination, { copyObjectTags: false }));
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
    const d = testDeps(src.client, dst.client, KMS);
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
    const result = await copyObject({ ...JOB, size }, testDeps(source, destination, KMS));
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
    const err = await copyObject({ ...JOB, size }, testDeps(source, destination)).catch(
      (e: unknown) => e,
    );
    // Assess
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).message).toMatch(/destination ETag .* does not match the MD5/);
  });
});
