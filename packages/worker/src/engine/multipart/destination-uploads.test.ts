import { randomBytes } from "node:crypto";
import { UploadPartCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { FakeS3 } from "../../testing/fake-s3.js";
import { listAllParts, listUploadsForKey } from "./destination-uploads.js";

const ago = (seconds: number) => new Date(Date.now() - seconds * 1000);

describe("listUploadsForKey", () => {
  it("follows the key and upload-id markers across pages and keeps only this key, newest first", async () => {
    // Prepare: two uploads per page; "k"'s four uploads span two pages, then other keys under
    // the prefix "k" ("k.old" and "k/x" sort after "k").
    const s3 = new FakeS3({ maxPageSize: 2 });
    const k1 = s3.startUpload("k", ago(50));
    const k3 = s3.startUpload("k", ago(30));
    s3.startUpload("k.old", ago(5));
    const k4 = s3.startUpload("k", ago(20));
    const k2 = s3.startUpload("k", ago(40));
    s3.startUpload("k/x", ago(1));
    s3.startUpload("k/x", ago(2));
    // Act
    const uploads = await listUploadsForKey(s3, "dst", "k");
    // Assess
    expect(uploads.map((u) => u.uploadId)).toEqual([k4, k3, k2, k1]);
    expect(s3.commands.filter((c) => c === "ListMultipartUploadsCommand")).toHaveLength(4);
  });

  it("finds nothing when only other keys under the prefix have uploads", async () => {
    // Prepare
    const s3 = new FakeS3({ maxPageSize: 1 });
    s3.startUpload("k.old", ago(5));
    s3.startUpload("k/x", ago(1));
    // Act
    const uploads = await listUploadsForKey(s3, "dst", "k");
    // Assess
    expect(uploads).toEqual([]);
  });
});

describe("listAllParts", () => {
  it("follows the part-number marker across pages", async () => {
    // Prepare: five parts uploaded out of order, two parts per page.
    const s3 = new FakeS3({ maxPageSize: 2 });
    const uploadId = s3.startUpload("k", ago(1));
    const bodies = new Map([5, 1, 3, 2, 4].map((n) => [n, randomBytes(10 + n)]));
    for (const [n, body] of bodies) {
      await s3.send(
        new UploadPartCommand({
          Bucket: "dst",
          Key: "k",
          UploadId: uploadId,
          PartNumber: n,
          Body: body,
        }),
      );
    }
    // Act
    const parts = await listAllParts(s3, "dst", "k", uploadId);
    // Assess
    expect(parts.map((p) => [p.partNumber, p.size])).toEqual(
      [1, 2, 3, 4, 5].map((n) => [n, 10 + n]),
    );
    expect(s3.commands.filter((c) => c === "ListPartsCommand")).toHaveLength(3);
  });
});
