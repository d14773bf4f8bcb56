import { createHash, createHmac } from "node:crypto";
import { Readable } from "node:stream";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import {
  type Answer,
  CREDENTIALS,
  recordingClient,
  type Sent,
} from "../testing/recording-client.js";
import { LeanS3 } from "./lean-s3.js";

/** SigV4 computed independently of the SDK: the signature `request` should carry. */
function expectedSignature(request: Sent, region: string): string {
  const auth = request.headers.authorization ?? "";
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)?.[1]?.split(";") ?? [];
  const amzDate = request.headers["x-amz-date"] ?? "";
  const scope = `${amzDate.slice(0, 8)}/${region}/s3/aws4_request`;
  const rfc3986 = (s: string) =>
    encodeURIComponent(s).replace(
      /[!'()*]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    );
  const query = Object.entries(request.query)
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
    .sort()
    .join("&");
  const canonical = [
    request.method,
    request.path,
    query,
    signedHeaders.map((h) => `${h}:${String(request.headers[h]).trim()}\n`).join(""),
    signedHeaders.join(";"),
    request.headers["x-amz-content-sha256"],
  ].join("\n");
  const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash("sha256").update(canonical).digest("hex")}`;
  let key: Buffer = createHmac("sha256", `AWS4${CREDENTIALS.secretAccessKey}`)
    .update(amzDate.slice(0, 8))
    .digest();
  for (const part of [region, "s3", "aws4_request"])
    key = createHmac("sha256", key).update(part).digest();
  return createHmac("sha256", key).update(toSign).digest("hex");
}

const KEYS = [
  "plain.bin",
  "中文/文件 名.bin",
  "emoji/😀🚀.dat",
  "a+b+c.txt",
  "100%/%2B%20literal.txt",
  "trailing/slash/",
  "/leading//double",
  "(parens)*!'~tilde",
];

describe("LeanS3", () => {
  it.each([
    ["virtual-hosted, us-east-1", {}],
    ["China partition", { region: "cn-north-1" }],
    ["path-style custom endpoint", { endpoint: "http://127.0.0.1:7480", forcePathStyle: true }],
  ])("sends a GetObject to the URL the SDK uses (%s), for hostile keys", async (_what, config) => {
    // Prepare
    const { client, sent } = recordingClient(() => ({}), config);
    const lean = new LeanS3(client);
    for (const key of KEYS) {
      // Act
      await client.send(new GetObjectCommand({ Bucket: "my-bucket", Key: key, VersionId: "v 1" }));
      const out = await lean?.getObject({ Bucket: "my-bucket", Key: key, VersionId: "v 1" });
      out?.Body.resume();
      // Assess
      expect(out).toBeDefined();
      expect(sent).toHaveLength(2 * (KEYS.indexOf(key) + 1));
      const [sdk, ours] = sent.slice(-2);
      expect(ours?.headers["user-agent"]).toBeUndefined();
      expect(ours).toMatchObject({
        method: "GET",
        protocol: sdk?.protocol,
        hostname: sdk?.hostname,
        port: sdk?.port,
        path: sdk?.path,
        query: { versionId: "v 1" },
      });
      expect(ours?.headers.host).toBe(sdk?.headers.host);
    }
  });

  it("signs what it sends with SigV4 (checked by an independent implementation)", async () => {
    const { client, sent } = recordingClient();
    const lean = new LeanS3(client);
    (await lean?.getObject({ Bucket: "b", Key: "dir/a b+c", VersionId: "3/x" }))?.Body.resume();
    await lean?.putObject({
      Bucket: "b",
      Key: "k",
      Body: Buffer.from("a"),
      ContentLength: 1,
      ContentMD5: "DMF1ucDxtqgxw5niaXcmYQ==",
      Metadata: { origin: "test" },
    });
    expect(sent).toHaveLength(2);
    for (const request of sent) {
      const signature = /Signature=([0-9a-f]{64})/.exec(request.headers.authorization ?? "")?.[1];
      expect(signature).toBe(expectedSignature(request, "us-east-1"));
    }
    expect(sent[1]?.headers["x-amz-content-sha256"]).toBe("UNSIGNED-PAYLOAD");
  });

  it("sends the PutObject headers the SDK sends for the same input", async () => {
    // Prepare
    const { client, sent } = recordingClient();
    const input = {
      Bucket: "b",
      Key: "k",
      Body: Buffer.from("a"),
      ContentLength: 1,
      ContentMD5: "DMF1ucDxtqgxw5niaXcmYQ==",
      ContentType: "text/plain; charset=utf-8",
      ContentEncoding: "gzip",
      ContentLanguage: "de",
      ContentDisposition: 'attachment; filename="x.txt"',
      CacheControl: "max-age=60",
      Expires: new Date("2030-01-02T03:04:05Z"),
      Metadata: { Origin: "test", "two-words": "a b" },
      StorageClass: "STANDARD_IA" as const,
      ServerSideEncryption: "aws:kms" as const,
      SSEKMSKeyId: "alias/x",
      Tagging: "a=1&b=2",
    };
    // Act
    await client.send(new PutObjectCommand(input));
    await new LeanS3(client).putObject(input);
    // Assess: the same headers, but the SDK's own bookkeeping and the signature.
    const own =
      /^(authorization|x-amz-date|x-amz-content-sha256|user-agent|x-amz-user-agent|amz-sdk-.*)$/;
    const headers = (r: Sent | undefined) =>
      Object.fromEntries(Object.entries(r?.headers ?? {}).filter(([k]) => !own.test(k)));
    expect(headers(sent[1])).toEqual(headers(sent[0]));
    expect(sent[1]?.path).toBe(sent[0]?.path);
    expect(sent[1]?.body).toBe(input.Body);
  });

  it("cancels a streamed PUT at once when its source stream breaks", async () => {
    // Prepare: the handler waits for the body like a socket would, until aborted.
    const { client } = recordingClient(
      (_request, signal) =>
        new Promise<Answer>((_resolve, reject) => {
          signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
        }),
    );
    const body = new Readable({ read() {} });
    // Act
    const putting = new LeanS3(client).putObject({
      Bucket: "b",
      Key: "k",
      Body: body,
      ContentLength: 10,
      ContentMD5: "x",
    });
    body.destroy(new Error("source connection reset"));
    // Assess
    await expect(putting).rejects.toThrow("source connection reset");
  });

  it("serves nothing for a client without WHEN_REQUIRED checksums", async () => {
    const { client } = recordingClient(() => ({}), {
      requestChecksumCalculation: "WHEN_SUPPORTED",
    });
    expect(await new LeanS3(client).getObject({ Bucket: "b", Key: "k" })).toBeUndefined();
  });

  it("is not used for buckets whose endpoint is not plain SigV4 for S3 (S3 Express)", async () => {
    const { client, sent } = recordingClient();
    const out = await new LeanS3(client).getObject({ Bucket: "bucket--use1-az4--x-s3", Key: "k" });
    expect(out).toBeUndefined();
    expect(sent).toEqual([]);
  });
});
