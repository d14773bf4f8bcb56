import { ListObjectsV2Command, type ListObjectsV2CommandInput } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { createFakeS3Listing } from "./fake-s3-listing.js";

const KEYS = ["a.txt", "dir/one", "dir/sub/two", "dir2/x", "z", "😀", "～"];

const shared = createFakeS3Listing({ bucket: KEYS });

async function list(input: Omit<ListObjectsV2CommandInput, "Bucket">) {
  return shared.send(new ListObjectsV2Command({ Bucket: "bucket", ...input }));
}

describe("createFakeS3Listing", () => {
  it("lists keys in UTF-8 binary order with quoted ETags", async () => {
    // Act
    const out = await list({});

    // Assess
    expect(out.Contents?.map((c) => c.Key)).toEqual([
      "a.txt",
      "dir/one",
      "dir/sub/two",
      "dir2/x",
      "z",
      "～",
      "😀",
    ]);
    expect(out.Contents?.[0]?.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(out.IsTruncated).toBe(false);
  });

  it("rolls keys up into common prefixes that count toward MaxKeys", async () => {
    // Act
    const first = await list({ Delimiter: "/", MaxKeys: 2 });
    const second = await list({
      Delimiter: "/",
      MaxKeys: 2,
      ContinuationToken: first.NextContinuationToken,
    });

    // Assess
    expect(first.Contents?.map((c) => c.Key)).toEqual(["a.txt"]);
    expect(first.CommonPrefixes).toEqual([{ Prefix: "dir/" }]);
    expect(first.IsTruncated).toBe(true);
    expect(second.Contents?.map((c) => c.Key)).toEqual(["z"]);
    expect(second.CommonPrefixes).toEqual([{ Prefix: "dir2/" }]);
  });

  it("applies Prefix and StartAfter, and omits empty arrays", async () => {
    // Act
    const out = await list({ Prefix: "dir/", StartAfter: "dir/one", Delimiter: "/" });
    const none = await list({ Prefix: "nothing/" });

    // Assess
    expect(out.Contents).toBeUndefined();
    expect(out.CommonPrefixes).toEqual([{ Prefix: "dir/sub/" }]);
    expect(none.Contents).toBeUndefined();
    expect(none.KeyCount).toBe(0);
  });

  it("refuses other commands and unknown buckets", async () => {
    // Prepare
    const s3 = createFakeS3Listing({ bucket: KEYS });

    // Act
    const wrongCommand = s3.send({ input: {} } as never).catch((e: unknown) => e);
    const wrongBucket = s3
      .send(new ListObjectsV2Command({ Bucket: "other" }))
      .catch((e: unknown) => e);

    // Assess
    await expect(wrongCommand).resolves.toBeInstanceOf(Error);
    await expect(wrongBucket).resolves.toMatchObject({ name: "NoSuchBucket" });
  });
});
