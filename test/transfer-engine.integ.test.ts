import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { destroyClients } from "@s3-migration/common";
import { type CopyResult, copyObject, type TransferDeps } from "@s3-migration/worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytes, type EngineFixture, engineFixture, get, MIB, put } from "./support/engine.js";

const HOSTILE_KEYS = [
  "中文/文件 名.bin",
  "emoji/😀🚀.dat",
  "spaces in key .txt",
  "a+b+c.txt",
  "100%/%2B%20literal.txt",
  "trailing/slash/",
];

describe("copyObject on the local stack", () => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await engineFixture("engine");
  });
  afterAll(async () => {
    await f.cleanup();
    destroyClients(f.clients);
  });

  const job: EngineFixture["job"] = (...args) => f.job(...args);

  async function copyAndCompare(
    key: string,
    size: number,
    deps: TransferDeps,
  ): Promise<CopyResult> {
    const body = bytes(size);
    await put(f.clients.sourceS3, f.srcBucket, key, body, {
      ContentType: "application/x-test",
      CacheControl: "max-age=60",
      Metadata: { origin: "engine-test" },
    });
    const result = await copyObject(job(key, size), deps);
    expect((await get(f.clients.destinationS3, f.dstBucket, key)).equals(body)).toBe(true);
    const head = await f.clients.destinationS3.send(
      new HeadObjectCommand({ Bucket: f.dstBucket, Key: key }),
    );
    expect(head).toMatchObject({
      ContentType: "application/x-test",
      CacheControl: "max-age=60",
      Metadata: { origin: "engine-test" },
    });
    return result;
  }

  const T = 5 * MIB; // ResumableThreshold of config/local.ini
  it.each([
    ["0 B", 0],
    ["1 B", 1],
    ["threshold - 1", T - 1],
    ["threshold", T],
  ])("copies %s with one PUT checked by the source's own MD5", async (_what, size) => {
    const result = await copyAndCompare(`single/${size}`, size, f.deps());
    expect(result).toMatchObject({ method: "single-put", checksum: "source-md5", bytes: size });
  });

  it.each([
    ["threshold + 1", T + 1, 2],
    ["exactly one part", 5 * MIB, 1],
    ["one part + 1 byte", 5 * MIB + 1, 2],
    ["many parts", 23 * MIB + 17, 5],
  ])("copies %s as a verified multipart upload", async (_what, size, parts) => {
    const deps = size > T ? f.deps() : f.deps({ resumableThresholdBytes: 0 });
    const result = await copyAndCompare(`multi/${size}`, size, deps);
    expect(result).toMatchObject({
      method: "multipart",
      parts,
      partsReused: 0,
      partsUploaded: parts,
    });
  });

  it.each(HOSTILE_KEYS)("copies the key %j byte for byte, small and multipart", async (key) => {
    await copyAndCompare(key, 1000, f.deps());
    await copyAndCompare(`big/${key}`, 6 * MIB, f.deps());
  });
});
