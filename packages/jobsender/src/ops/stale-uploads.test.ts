import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import type { S3Send } from "../list-bucket.js";
import { destinations, isOlderThan, listStaleUploads } from "./stale-uploads.js";

const NOW = new Date("2026-01-02T00:00:00.000Z");
const HOUR = 3_600_000;

describe("isOlderThan", () => {
  it("keeps uploads at or past the age and drops younger ones", () => {
    expect(isOlderThan(new Date(NOW.getTime() - 24 * HOUR), NOW, 24 * HOUR)).toBe(true);
    expect(isOlderThan(new Date(NOW.getTime() - 25 * HOUR), NOW, 24 * HOUR)).toBe(true);
    expect(isOlderThan(new Date(NOW.getTime() - 23 * HOUR), NOW, 24 * HOUR)).toBe(false);
  });

  it("with age 0 keeps everything already started", () => {
    expect(isOlderThan(NOW, NOW, 0)).toBe(true);
  });

  it("never selects an upload without a valid start time", () => {
    expect(isOlderThan(undefined, NOW, 0)).toBe(false);
    expect(isOlderThan(new Date(Number.NaN), NOW, 0)).toBe(false);
  });
});

describe("destinations", () => {
  it("lists each destination bucket and folder once", () => {
    const map = [
      { srcBucket: "a", srcPrefix: "", desBucket: "d", desPrefix: "x" },
      { srcBucket: "b", srcPrefix: "", desBucket: "d", desPrefix: "x/" },
      { srcBucket: "c", srcPrefix: "", desBucket: "d", desPrefix: "y" },
    ];
    expect(destinations(map)).toEqual([
      { bucket: "d", prefix: "x/" },
      { bucket: "d", prefix: "y/" },
    ]);
  });
});

describe("listStaleUploads", () => {
  it("follows both markers across pages and yields only old uploads", async () => {
    // Prepare
    const inputs: ListMultipartUploadsCommand["input"][] = [];
    const old = new Date(NOW.getTime() - 48 * HOUR);
    const young = new Date(NOW.getTime() - HOUR);
    const s3: S3Send = {
      send: (async (command: unknown) => {
        if (!(command instanceof ListMultipartUploadsCommand)) throw new Error("unexpected");
        inputs.push(command.input);
        if (command.input.KeyMarker === undefined) {
          return {
            IsTruncated: true,
            NextKeyMarker: "k2",
            NextUploadIdMarker: "u2",
            Uploads: [
              { Key: "k1", UploadId: "u1", Initiated: old },
              { Key: "k2", UploadId: "u2", Initiated: young },
            ],
          };
        }
        return { IsTruncated: false, Uploads: [{ Key: "k3", UploadId: "u3", Initiated: old }] };
      }) as S3Send["send"],
    };
    // Act
    const found = [];
    for await (const u of listStaleUploads(s3, {
      bucket: "dst",
      prefix: "p/",
      olderThanMs: 24 * HOUR,
      now: NOW,
    })) {
      found.push(u.uploadId);
    }
    // Assess
    expect(found).toEqual(["u1", "u3"]);
    expect(inputs[1]).toMatchObject({
      Bucket: "dst",
      Prefix: "p/",
      KeyMarker: "k2",
      UploadIdMarker: "u2",
    });
  });
});
