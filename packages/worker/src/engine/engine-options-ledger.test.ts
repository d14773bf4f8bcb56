import { UploadPartCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { FakeS3 } from "../testing/fake-s3.js";
import { MemoryLedger } from "../testing/memory-ledger.js";
import { JOB, type LooseSend, MIB, sourceWith, testDeps } from "../testing/transfer-fixtures.js";
import { copyObject } from "./copy-object.js";
import type { TransferDeps } from "./transfer/copy-types.js";
import { LeaseLostError, type UploadBinding } from "./transfer/upload-ledger.js";

const ago = (seconds: number) => new Date(Date.now() - seconds * 1000);

/** Uploads parts `numbers` of `body` (5 MiB parts) to `uploadId` of "k". */
async function uploadPartsOf(
  destination: FakeS3,
  uploadId: string,
  body: Buffer,
  numbers: readonly number[],
): Promise<void> {
  for (const partNumber of numbers) {
    const part = body.subarray((partNumber - 1) * 5 * MIB, partNumber * 5 * MIB);
    await destination.send(
      new UploadPartCommand({
        Bucket: "dst",
        Key: "k",
        UploadId: uploadId,
        PartNumber: partNumber,
        Body: part,
      }),
    );
  }
}

/** The binding the ledger holds for an upload of the source `fake` has at "k" in 5 MiB parts. */
function bindingOf(fake: FakeS3, uploadId: string, size: number): UploadBinding {
  return {
    uploadId,
    sourceEtag: fake.objects.get("k")?.etag ?? "",
    sourceSize: size,
    partSize: 5 * MIB,
  };
}

describe("copyObject with CleanUnfinishedUpload", () => {
  it.each([
    [true, "aborts the key's uploads no binding names"],
    [false, "leaves the key's uploads no binding names"],
  ])("cleanUnfinishedUpload %s %s, resumes the bound one, and spares other keys", async (clean) => {
    // Prepare: three uploads of "k", the middle one bound in the ledger; one of "k/other".
    const { source, body } = sourceWith(12 * MIB);
    const destination = new FakeS3();
    const older = destination.startUpload("k", ago(50));
    const bound = destination.startUpload("k", ago(40));
    const newer = destination.startUpload("k", ago(30));
    const otherKey = destination.startUpload("k/other", ago(45));
    await uploadPartsOf(destination, bound, body, [1]);
    const ledger = new MemoryLedger(bindingOf(source, bound, body.length));
    // Act
    const result = await copyObject(
      { ...JOB, size: body.length },
      testDeps(source, destination, { cleanUnfinishedUpload: clean }),
      { ledger },
    );
    // Assess
    expect(result).toMatchObject({ uploadId: bound, partsReused: 1 });
    expect(destination.objects.get("k")?.body.equals(body)).toBe(true);
    expect([...destination.uploads.keys()]).toEqual(clean ? [otherKey] : [older, newer, otherKey]);
    expect(ledger.bindings).toEqual([]);
  });
});

describe("copyObject resuming through the upload ledger", () => {
  it("resumes the bound upload: parts already there are not sent again", async () => {
    // Prepare: parts 1 and 2 of 5 + 5 + 2 MiB uploaded by an earlier attempt.
    const { source, body } = sourceWith(12 * MIB);
    const destination = new FakeS3();
    const uploadId = destination.startUpload("k", new Date());
    await uploadPartsOf(destination, uploadId, body, [1, 2]);
    const ledger = new MemoryLedger(bindingOf(source, uploadId, body.length));
    destination.commands.length = 0;
    // Act
    const result = await copyObject({ ...JOB, size: body.length }, testDeps(source, destination), {
      ledger,
    });
    // Assess
    expect(result).toMatchObject({ uploadId, parts: 3, partsReused: 2, partsUploaded: 1 });
    expect(destination.commands.filter((c) => c === "UploadPartCommand")).toHaveLength(1);
    expect(destination.commands).not.toContain("ListMultipartUploadsCommand");
    expect(ledger.confirms).toBe(1);
    expect(destination.objects.get("k")?.body.equals(body)).toBe(true);
  });

  it.each([
    ["the source's ETag", { sourceEtag: "0123456789abcdef0123456789abcdef" }],
    ["the source's size", { sourceSize: 12 * MIB + 1 }],
    ["the source's version", { sourceVersionId: "v-older" }],
    ["the part size", { partSize: 6 * MIB }],
  ])(
    "aborts a bound upload whose binding differs in %s and binds a new one",
    async (_what, change) => {
      // Prepare
      const { source, body } = sourceWith(12 * MIB);
      const destination = new FakeS3();
      const stale = destination.startUpload("k", new Date());
      await uploadPartsOf(destination, stale, body, [1]);
      const ledger = new MemoryLedger({ ...bindingOf(source, stale, body.length), ...change });
      // Act
      const result = await copyObject(
        { ...JOB, size: body.length },
        testDeps(source, destination),
        {
          ledger,
        },
      );
      // Assess
      expect(result.uploadId).not.toBe(stale);
      expect(result.partsReused).toBe(0);
      expect(destination.uploads.has(stale)).toBe(false);
      expect(ledger.bindings).toEqual([bindingOf(source, result.uploadId ?? "", body.length)]);
      expect(destination.objects.get("k")?.body.equals(body)).toBe(true);
    },
  );

  it("never reuses an upload no binding names, however new (no clock is compared)", async () => {
    // Prepare: an upload started after the source was written, with part 1, but not bound.
    const { source, body } = sourceWith(12 * MIB);
    const destination = new FakeS3();
    const unbound = destination.startUpload("k", new Date(Date.now() + 60_000));
    await uploadPartsOf(destination, unbound, body, [1]);
    const ledger = new MemoryLedger();
    // Act
    const result = await copyObject({ ...JOB, size: body.length }, testDeps(source, destination), {
      ledger,
    });
    // Assess: left alone (CleanUnfinishedUpload is off), a new upload bound and completed.
    expect(result.uploadId).not.toBe(unbound);
    expect(result.partsReused).toBe(0);
    expect(destination.uploads.has(unbound)).toBe(true);
    expect(ledger.bindings.map((b) => b.uploadId)).toEqual([result.uploadId]);
  });

  it("does not complete when another attempt took the object over", async () => {
    // Prepare: the lease is lost while the parts upload.
    const { source, body } = sourceWith(12 * MIB);
    const destination = new FakeS3();
    const ledger = new MemoryLedger();
    const send = destination.send as unknown as LooseSend;
    const losing = {
      send: (async (command: unknown, options?: unknown) => {
        if (command instanceof UploadPartCommand) ledger.takeOver();
        return send(command, options);
      }) as TransferDeps["destination"]["send"],
    };
    // Act
    const err = await copyObject({ ...JOB, size: body.length }, testDeps(source, losing), {
      ledger,
    }).catch((e: unknown) => e);
    // Assess: no Complete, no abort, the upload stays for the attempt that owns it now.
    expect(err).toBeInstanceOf(LeaseLostError);
    expect(destination.commands).not.toContain("CompleteMultipartUploadCommand");
    expect(destination.commands).not.toContain("AbortMultipartUploadCommand");
    expect(destination.objects.has("k")).toBe(false);
  });
});
