import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import type { S3Send } from "../list-bucket.js";
import { createFakeS3Listing, type FakeObjectInit } from "../testing/fake-s3-listing.js";
import { createVerifyStats, type VerifyDifference, verifyMapping } from "./verify-listings.js";

const md5 = (s: string) => createHash("md5").update(s).digest("hex");

/**
 * A fake S3 with listings and GetObject from `bodies` (bucket/key → content); records the most
 * GetObject requests in flight at once.
 */
function fakeS3(objects: Record<string, FakeObjectInit[]>, bodies: Record<string, string>) {
  const listing = createFakeS3Listing(objects);
  let inFlight = 0;
  const seen = { maxGets: 0, gets: 0 };
  const s3: S3Send = {
    send: (async (command: unknown, options?: unknown) => {
      if (!(command instanceof GetObjectCommand)) {
        return (listing.send as (c: unknown, o?: unknown) => Promise<unknown>)(command, options);
      }
      inFlight++;
      seen.gets++;
      seen.maxGets = Math.max(seen.maxGets, inFlight);
      await new Promise(setImmediate);
      inFlight--;
      const body = bodies[`${command.input.Bucket}/${command.input.Key}`] ?? "";
      return { Body: Readable.from([Buffer.from(body)]) };
    }) as S3Send["send"],
  };
  return { s3, seen };
}

const obj = (key: string, body: string, etag = md5(body)): FakeObjectInit => ({
  key,
  size: body.length,
  etag,
});

function scenario() {
  const src = [
    obj("data/same", "hello"),
    obj("data/flipped", "abcdef"),
    obj("data/missing", "m"),
    obj("data/resized", "12345"),
    obj("data/retagged", "xyz"),
  ];
  const dst = [
    obj("copy/extra", "e"),
    // Uploaded as multipart: an ETag of another shape, not comparable with the source's MD5.
    obj("copy/flipped", "abcdeF", `${md5("abcdeF")}-1`),
    obj("copy/resized", "123456"),
    obj("copy/retagged", "xyz", md5("other")),
    obj("copy/same", "hello", `${md5("hello")}-1`),
  ];
  const bodies = {
    "src/data/same": "hello",
    "src/data/flipped": "abcdef",
    "dst/copy/same": "hello",
    "dst/copy/flipped": "abcdeF",
  };
  return fakeS3({ src, dst }, bodies);
}

const mapping = { srcBucket: "src", srcPrefix: "data", desBucket: "dst", desPrefix: "copy/" };

async function collect(deep: boolean, deepConcurrency = 4) {
  const { s3, seen } = scenario();
  const stats = createVerifyStats();
  const found: VerifyDifference[] = [];
  for await (const d of verifyMapping(
    mapping,
    { source: s3, destination: s3, deep, deepConcurrency },
    stats,
  )) {
    found.push(d);
  }
  return { found, stats, seen };
}

describe("verifyMapping", () => {
  it("reports missing, size, ETag and destination-only differences by listing alone", async () => {
    const { found, stats } = await collect(false);
    expect(found.map((d) => [d.kind, d.srcKey ?? d.dstKey])).toEqual([
      ["destination-only", "copy/extra"],
      ["missing", "data/missing"],
      ["size-differs", "data/resized"],
      ["etag-differs", "data/retagged"],
    ]);
    expect(stats).toMatchObject({ identical: 2, etagIncomparable: 2, differences: 4 });
  });

  it("finds a flipped byte behind an incomparable ETag with deep, and only there", async () => {
    const { found, stats, seen } = await collect(true, 1);
    expect(found.filter((d) => d.kind === "content-differs")).toEqual([
      expect.objectContaining({
        srcKey: "data/flipped",
        dstKey: "copy/flipped",
        srcMd5: md5("abcdef"),
        dstMd5: md5("abcdeF"),
      }),
    ]);
    expect(stats).toMatchObject({ identical: 1, deepCompared: 2, differences: 5 });
    // Both sides of one object at a time.
    expect(seen.maxGets).toBe(2);
  });
});
