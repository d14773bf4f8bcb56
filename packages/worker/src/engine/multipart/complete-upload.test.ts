import { createHash } from "node:crypto";
import {
  CompleteMultipartUploadCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { FakeS3 } from "../../testing/fake-s3.js";
import { JOB, type LooseSend, MIB, sourceWith, testDeps } from "../../testing/transfer-fixtures.js";
import { copyObject } from "../copy-object.js";

// The success path of a multipart completion makes no request it can do without: across a
// long-haul link each costs a round trip (issue 15, "a lean control plane").

const SIZE = 12 * MIB;

/** The destination fake behind a `send` that may change what it does. */
function destinationVia(
  fake: FakeS3,
  wrap: (command: unknown, send: () => Promise<Record<string, unknown>>) => Promise<unknown>,
): Pick<S3Client, "send"> {
  const send = fake.send as unknown as LooseSend;
  return {
    send: ((command: unknown, options?: unknown) =>
      wrap(command, () => send(command, options))) as S3Client["send"],
  };
}

const count = (fake: FakeS3, name: string) => fake.commands.filter((c) => c === name).length;

describe("completing a multipart copy", () => {
  it("completes with the ETags it knows: no ListParts, and no HEAD when S3 answers the ETag", async () => {
    // Prepare
    const { source, body } = sourceWith(SIZE);
    const destination = new FakeS3();
    const deps = testDeps(source, destination, { resumableThresholdBytes: 0 });
    // Act
    const result = await copyObject({ ...JOB, size: SIZE }, deps);
    // Assess
    expect(destination.objects.get("k")?.body.equals(body)).toBe(true);
    expect(result.etag).toBe(destination.objects.get("k")?.etag);
    expect(count(destination, "ListPartsCommand")).toBe(0);
    expect(count(destination, "HeadObjectCommand")).toBe(0);
    expect(count(destination, "CompleteMultipartUploadCommand")).toBe(1);
  });

  it("lists the parts and re-sends the one S3 lost when the completion refuses it", async () => {
    // Prepare: part 2's first upload answers 200 with its ETag but never reaches the upload.
    const { source, body } = sourceWith(SIZE);
    const fake = new FakeS3();
    let lost = false;
    const destination = destinationVia(fake, async (command, send) => {
      if (command instanceof UploadPartCommand && command.input.PartNumber === 2 && !lost) {
        lost = true;
        const bytes = command.input.Body as Uint8Array;
        return { ETag: `"${createHash("md5").update(bytes).digest("hex")}"` };
      }
      return send();
    });
    const deps = testDeps(source, destination, { resumableThresholdBytes: 0 });
    // Act
    await copyObject({ ...JOB, size: SIZE }, deps);
    // Assess
    expect(fake.objects.get("k")?.body.equals(body)).toBe(true);
    // Listed, part 2 re-sent, listed again (all there), completed.
    expect(count(fake, "ListPartsCommand")).toBe(2);
    expect(count(fake, "UploadPartCommand")).toBe(3);
    expect(count(fake, "CompleteMultipartUploadCommand")).toBe(2);
  });

  it("checks the object with a HEAD when the completion answers no ETag, as Ceph does", async () => {
    // Prepare
    const { source, body } = sourceWith(SIZE);
    const fake = new FakeS3();
    const destination = destinationVia(fake, async (command, send) => {
      const out = await send();
      return command instanceof CompleteMultipartUploadCommand ? { ...out, ETag: "" } : out;
    });
    const deps = testDeps(source, destination, { resumableThresholdBytes: 0 });
    // Act
    const result = await copyObject({ ...JOB, size: SIZE }, deps);
    // Assess
    expect(fake.objects.get("k")?.body.equals(body)).toBe(true);
    expect(result.etag).toBe(fake.objects.get("k")?.etag);
    expect(count(fake, "HeadObjectCommand")).toBe(1);
    expect(count(fake, "ListPartsCommand")).toBe(0);
  });
});
