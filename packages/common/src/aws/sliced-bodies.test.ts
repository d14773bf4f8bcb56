import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { UploadPartCommand } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../config/parse-config.js";
import { createS3Client } from "./clients.js";
import { BODY_SLICE_BYTES, withSlicedBody } from "./sliced-bodies.js";

const MIB = 1024 * 1024;

async function drain(body: unknown): Promise<{ bytes: Buffer; chunks: number[] }> {
  const chunks: Buffer[] = [];
  for await (const c of body as Readable) chunks.push(Buffer.from(c));
  return { bytes: Buffer.concat(chunks), chunks: chunks.map((c) => c.length) };
}

describe("withSlicedBody", () => {
  it("gives a large in-memory body as 1 MiB slices of it, a fresh stream on every call", async () => {
    // Prepare: a 2.5 MiB body.
    const body = randomBytes(2.5 * MIB);
    const request = { method: "PUT", headers: { a: "b" }, body };
    // Act: two sends of one request, as the SDK's retries make them.
    const attempts = [withSlicedBody(request), withSlicedBody(request)];
    // Assess
    for (const attempt of attempts) {
      expect(attempt.body).toBeInstanceOf(Readable);
      expect(attempt.headers).toEqual({ a: "b" });
      const { bytes, chunks } = await drain(attempt.body);
      expect(bytes.equals(body)).toBe(true);
      expect(chunks).toEqual([MIB, MIB, MIB / 2]);
    }
    expect(request.body).toBe(body);
  });

  it.each([
    ["a body of at most one slice", Buffer.alloc(BODY_SLICE_BYTES)],
    ["a stream", Readable.from([Buffer.alloc(3 * MIB)])],
    ["no body", undefined],
  ])("leaves %s as it is", (_what, body) => {
    const request = { body };
    expect(withSlicedBody(request)).toBe(request);
  });
});

describe("S3 client with sliced bodies, over a real socket", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  it("retries an UploadPart that failed with the whole body again", async () => {
    // Prepare: a server that answers the first attempt with 500 and records every body.
    const received: string[] = [];
    server = createServer((req: IncomingMessage, res) => {
      const hash = createHash("md5");
      req.on("data", (c: Buffer) => hash.update(c));
      req.on("end", () => {
        received.push(hash.digest("hex"));
        if (received.length === 1) {
          res.writeHead(500, { "content-type": "application/xml" });
          res.end("<Error><Code>InternalError</Code><Message>try again</Message></Error>");
        } else {
          res.writeHead(200, { etag: `"${received.at(-1)}"` });
          res.end();
        }
      });
    });
    await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    const config = parseConfig(
      {
        table_queue_name: "q_and_table",
        ssm_parameter_bucket: "p1",
        ssm_parameter_credentials: "p2",
        Region: "us-east-1",
        MaxRetry: "2",
      },
      "/",
    ).config;
    const client = createS3Client("access-key", config, {
      accessKeyId: "AKIASTORED0000000001",
      secretAccessKey: "storedSecretKey000000000000000000000000",
      region: "us-east-1",
      endpoint: `http://127.0.0.1:${port}`,
    });
    const body = randomBytes(3 * MIB + 5);
    const md5 = createHash("md5").update(body).digest();
    // Act
    const out = await client.send(
      new UploadPartCommand({
        Bucket: "b",
        Key: "k",
        UploadId: "u",
        PartNumber: 1,
        Body: body,
        ContentLength: body.length,
        ContentMD5: md5.toString("base64"),
      }),
    );
    client.destroy();
    // Assess: both attempts carried every byte.
    expect(received).toEqual([md5.toString("hex"), md5.toString("hex")]);
    expect(out.ETag).toBe(`"${md5.toString("hex")}"`);
  });
});
