import {
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { destroyClients, FatalError, ObjectError, RetryableError } from "@s3-migration/common";
import { copyObject, leanPaths } from "@s3-migration/worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytes, type EngineFixture, engineFixture, get, MIB, put } from "./support/engine.js";

/**
 * The lean path of small copies (plain GetObject/PutObject signed with the client's own SigV4
 * signer, sent through its own HTTP handler, without the SDK's middleware stack) against a
 * real S3 implementation: RGW must accept its signatures and URLs, and the result must be the
 * object the SDK path makes.
 */
describe("lean GetObject/PutObject on the local stack", () => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await engineFixture("lean");
  });
  afterAll(async () => {
    await f.cleanup();
    destroyClients(f.clients);
  });

  const job: EngineFixture["job"] = (...args) => f.job(...args);

  /** Runs `fn` while counting the GetObject/PutObject commands that went through `send`. */
  async function countingSdkCommands<T>(
    fn: () => Promise<T>,
    clients: readonly S3Client[] = [f.clients.sourceS3, f.clients.destinationS3],
  ): Promise<{ result: T; sdk: number }> {
    let sdk = 0;
    const sends = clients.map((c) => c.send);
    for (const [i, client] of clients.entries()) {
      const send = sends[i] as S3Client["send"];
      client.send = ((command: unknown, options?: unknown) => {
        const isCopyRequest =
          command instanceof PutObjectCommand ||
          (command instanceof GetObjectCommand && command.input.Key !== "endpoint-probe");
        if (isCopyRequest) sdk++;
        return (send as (c: unknown, o?: unknown) => Promise<unknown>).call(
          client,
          command,
          options,
        );
      }) as S3Client["send"];
    }
    try {
      return { result: await fn(), sdk };
    } finally {
      for (const [i, client] of clients.entries()) client.send = sends[i] as S3Client["send"];
    }
  }

  it.each([
    ["中文/文件 名.bin", 1000],
    ["emoji/😀🚀.dat", 0],
    ["a+b+c (1)!*'.txt", 70_000],
    ["100%/%2B%20literal.txt", 1],
    ["trailing/slash/", 4096],
    ["streamed/3MiB.bin", 3 * MIB],
  ])("copies %j (%i B) through the lean path as the SDK path would", async (key, size) => {
    // Prepare
    const body = bytes(size);
    await put(f.clients.sourceS3, f.srcBucket, key, body, {
      ContentType: "text/plain; charset=utf-8",
      CacheControl: "max-age=60",
      ContentDisposition: 'attachment; filename="x.txt"',
      ContentLanguage: "de",
      Expires: new Date("2031-02-03T04:05:06Z"),
      Metadata: { origin: "lean-test", "Mixed-Case": "v a l" },
    });
    // Act: once through the lean path, once through the SDK alone.
    const lean = await countingSdkCommands(() =>
      copyObject(job(key, size, `lean/${key}`), f.deps()),
    );
    const sdk = await copyObject(job(key, size, `sdk/${key}`), f.deps({}, false));
    // Assess
    expect(lean.sdk).toBe(0);
    expect(lean.result).toMatchObject({
      method: "single-put",
      checksum: "source-md5",
      bytes: size,
    });
    expect(lean.result.etag).toBe(sdk.etag);
    expect((await get(f.clients.destinationS3, f.dstBucket, `lean/${key}`)).equals(body)).toBe(
      true,
    );
    const head = async (k: string) => {
      const {
        $metadata: _,
        LastModified: __,
        ...fields
      } = await f.clients.destinationS3.send(
        new HeadObjectCommand({ Bucket: f.dstBucket, Key: k }),
      );
      return fields;
    };
    expect(await head(`lean/${key}`)).toEqual(await head(`sdk/${key}`));
  });

  it("holds only a stream window in the memory budget for a streamed body", async () => {
    const key = "streamed/window.bin";
    const body = bytes(4 * MIB);
    await put(f.clients.sourceS3, f.srcBucket, key, body);
    const deps = f.deps();
    await copyObject(job(key, body.length), deps);
    expect(deps.budget.peak).toBe(MIB);
    expect((await get(f.clients.destinationS3, f.dstBucket, key)).equals(body)).toBe(true);
  });

  it("reads the version the job names", async () => {
    // Prepare: a versioned source with two versions of the key.
    await f.clients.sourceS3.send(
      new PutBucketVersioningCommand({
        Bucket: f.srcBucket,
        VersioningConfiguration: { Status: "Enabled" },
      }),
    );
    const key = "versioned/object.bin";
    const first = bytes(5000);
    const v1 = await f.clients.sourceS3.send(
      new PutObjectCommand({ Bucket: f.srcBucket, Key: key, Body: first }),
    );
    await put(f.clients.sourceS3, f.srcBucket, key, bytes(5000));
    // Act
    const { result, sdk } = await countingSdkCommands(() =>
      copyObject(
        { ...job(key, first.length), versionId: v1.VersionId },
        f.deps({ getObjectWithVersionId: true }),
      ),
    );
    // Assess
    expect(sdk).toBe(0);
    expect(result.versionId).toBe(v1.VersionId);
    expect((await get(f.clients.destinationS3, f.dstBucket, key)).equals(first)).toBe(true);
  });

  it("reports a missing source as an object error", async () => {
    // Act
    const { result: err, sdk } = await countingSdkCommands(() =>
      copyObject(job("missing/key.bin", 10), f.deps()).catch((e: unknown) => e),
    );
    // Assess: the lean GET's 404 (no SDK request), typed as the SDK would type it.
    expect(sdk).toBe(0);
    expect(err).toBeInstanceOf(ObjectError);
    expect((err as Error).cause).toMatchObject({
      name: "NoSuchKey",
      $metadata: { httpStatusCode: 404 },
    });
  });

  it("reports a wrong secret key as fatal (RGW rejects the lean path's signature)", async () => {
    const key = "auth/object.bin";
    await put(f.clients.sourceS3, f.srcBucket, key, bytes(10));
    const config = f.clients.sourceS3.config;
    const wrong = new S3Client({
      region: await config.region(),
      endpoint: process.env.AWS_ENDPOINT_URL_S3,
      forcePathStyle: true,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      credentials: { accessKeyId: (await config.credentials()).accessKeyId, secretAccessKey: "x" },
    });
    try {
      // Act
      const deps = { ...f.deps(), source: wrong, lean: leanPaths(wrong, f.clients.destinationS3) };
      const { result: err, sdk } = await countingSdkCommands(
        () => copyObject(job(key, 10), deps).catch((e: unknown) => e),
        [wrong, f.clients.destinationS3],
      );
      // Assess: the lean GET was refused (no SDK request), and not retried.
      expect(sdk).toBe(0);
      expect(err).toBeInstanceOf(FatalError);
      expect((err as Error).cause).toMatchObject({ name: "SignatureDoesNotMatch" });
    } finally {
      wrong.destroy();
    }
  });

  it("stops a copy whose signal aborts, leaving no object", async () => {
    const key = "aborted/object.bin";
    await put(f.clients.sourceS3, f.srcBucket, key, bytes(8 * MIB));
    const controller = new AbortController();
    const deps = f.deps({ resumableThresholdBytes: 16 * MIB });
    const copying = countingSdkCommands(() =>
      copyObject(job(key, 8 * MIB), deps, { signal: controller.signal }).catch((e: unknown) => e),
    );
    setTimeout(() => controller.abort(new Error("stopped by test")), 5);
    const { result: err, sdk } = await copying;
    expect(sdk).toBe(0);
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).cause).toMatchObject({ name: "AbortError" });
    const left = await f.clients.destinationS3
      .send(new HeadObjectCommand({ Bucket: f.dstBucket, Key: key }))
      .catch((e: { name?: string }) => e.name);
    expect(left).toBe("NotFound");
  });
});
