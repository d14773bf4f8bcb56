import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { type DynamoSend, isBound, sourcesOf } from "./upload-bindings.js";

const MAPPINGS = [
  { srcBucket: "src-a", srcPrefix: "logs", desBucket: "dst", desPrefix: "archive/logs" },
  { srcBucket: "src-b", srcPrefix: "", desBucket: "dst", desPrefix: "" },
  { srcBucket: "src-c", srcPrefix: "x/", desBucket: "other", desPrefix: "y" },
];

const UPLOAD = {
  bucket: "dst",
  key: "archive/logs/2026/big.bin",
  uploadId: "u-1",
  initiated: undefined,
};

/** A table holding `items` by objectId; records the ids asked for. */
function table(items: Record<string, Record<string, { S?: string }>>) {
  const asked: string[] = [];
  const db: DynamoSend = {
    send: (async (command: unknown) => {
      if (!(command instanceof GetItemCommand)) throw new Error("unexpected command");
      const id = command.input.Key?.objectId?.S ?? "";
      asked.push(id);
      return { Item: items[id] };
    }) as DynamoSend["send"],
  };
  return { db, asked };
}

describe("sourcesOf", () => {
  it("maps a destination key back through every bucket-map entry that holds it", () => {
    expect(sourcesOf(UPLOAD, MAPPINGS)).toEqual([
      { srcBucket: "src-a", srcKey: "logs/2026/big.bin" },
      { srcBucket: "src-b", srcKey: "archive/logs/2026/big.bin" },
    ]);
    expect(sourcesOf({ bucket: "other", key: "y/k" }, MAPPINGS)).toEqual([
      { srcBucket: "src-c", srcKey: "x/k" },
    ]);
    expect(sourcesOf({ bucket: "other", key: "yz/k" }, MAPPINGS)).toEqual([]);
  });
});

describe("isBound", () => {
  it("is true only when an item binds this very upload", async () => {
    // Prepare
    const bound = { uploadId: { S: "u-1" }, uploadSourceEtag: { S: "e" } };
    const other = { uploadId: { S: "u-2" }, uploadSourceEtag: { S: "e" } };
    const done = { uploadId: { S: "u-1" } };
    // Act / Assess
    const b = table({ "src-b/archive/logs/2026/big.bin": bound });
    expect(await isBound(b.db, "t", UPLOAD, MAPPINGS)).toBe(true);
    expect(b.asked).toEqual(["src-a/logs/2026/big.bin", "src-b/archive/logs/2026/big.bin"]);
    expect(
      await isBound(table({ "src-a/logs/2026/big.bin": other }).db, "t", UPLOAD, MAPPINGS),
    ).toBe(false);
    // A done item keeps the uploadId that became the object, but no binding.
    expect(
      await isBound(table({ "src-a/logs/2026/big.bin": done }).db, "t", UPLOAD, MAPPINGS),
    ).toBe(false);
    expect(await isBound(table({}).db, "t", UPLOAD, MAPPINGS)).toBe(false);
  });
});
