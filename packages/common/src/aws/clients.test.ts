import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { DeleteMessageCommand } from "@aws-sdk/client-sqs";
import type { FinalizeRequestMiddleware, MetadataBearer, MiddlewareStack } from "@smithy/types";
import { describe, expect, it } from "vitest";
import type { Config } from "../config/config-types.js";
import { parseConfig } from "../config/parse-config.js";
import type { SideCredentials } from "../parameters/parameter-documents.js";
import { createClients, destroyClients, s3SocketCount, ssmClientIfNeeded } from "./clients.js";
import { SOCKET_IDLE_TIMEOUT_MS } from "./http-handler.js";

const ROLE_KEY = "AKIAROLE000000000001";
const STORED: SideCredentials = {
  accessKeyId: "AKIASTORED0000000001",
  secretAccessKey: "storedSecretKey000000000000000000000000",
  region: "cn-north-1",
};

function config(extra: Record<string, string> = {}): Config {
  return parseConfig(
    {
      table_queue_name: "q_and_table",
      ssm_parameter_bucket: "p1",
      ssm_parameter_credentials: "p2",
      Region: "us-east-1",
      ...extra,
    },
    "/",
  ).config;
}

interface Captured {
  readonly url: string;
  readonly accessKeyId: string | undefined;
  readonly payloadHash: string | undefined;
  readonly expect: string | undefined;
}

/**
 * Sends a HeadObject through the client's real middleware stack (endpoint resolution, signing)
 * and captures the signed request instead of putting it on the network.
 */
async function capture(
  client: S3Client,
  command: HeadObjectCommand | PutObjectCommand = new HeadObjectCommand({
    Bucket: "bucket-a",
    Key: "k",
  }),
): Promise<Captured> {
  let seen: Captured | undefined;
  client.middlewareStack.add(
    () => async (args) => {
      const req = args.request as {
        protocol: string;
        hostname: string;
        port?: number;
        path: string;
        headers: Record<string, string>;
      };
      const auth = req.headers.authorization ?? "";
      seen = {
        url: `${req.protocol}//${req.hostname}${req.port ? `:${req.port}` : ""}${req.path}`,
        accessKeyId: /Credential=([^/]+)\//.exec(auth)?.[1],
        payloadHash: req.headers["x-amz-content-sha256"],
        expect: req.headers.Expect ?? req.headers.expect,
      };
      throw new Error("captured");
    },
    { step: "finalizeRequest", priority: "low", name: "captureRequest" },
  );
  // biome-ignore lint/suspicious/noExplicitAny: send's overloads do not accept a union of commands
  await client.send(command as any).catch(() => undefined);
  client.middlewareStack.remove("captureRequest");
  if (seen === undefined) throw new Error("request was not captured");
  return seen;
}

describe("createClients", () => {
  it("gives every client a 60 s idle timeout and no total request timeout", async () => {
    // Prepare
    const clients = createClients(config(), STORED);

    // Act: the handler resolves its settings lazily (`configProvider`), before the first request
    const settings = await Promise.all(
      [clients.sourceS3, clients.destinationS3, clients.sqs, clients.dynamodb].map(
        (client) =>
          (client.config.requestHandler as unknown as { configProvider: Promise<object> })
            .configProvider as Promise<Record<string, unknown>>,
      ),
    );

    // Assess: a total timeout would fail a large part on a slow link that still moves bytes
    for (const s of settings) {
      expect(s).toMatchObject({ socketTimeout: SOCKET_IDLE_TIMEOUT_MS, connectionTimeout: 10_000 });
      expect(s.requestTimeout).toBeUndefined();
    }
    destroyClients(clients);
  });

  // The endpoint variable proves the SDK does not apply it behind the config's back.
  const roleEnv = {
    AWS_ACCESS_KEY_ID: ROLE_KEY,
    AWS_SECRET_ACCESS_KEY: "roleSecret",
    AWS_ENDPOINT_URL_S3: "http://127.0.0.1:1",
    AWS_ENDPOINT_URL: "http://127.0.0.1:2",
  };

  async function withRoleEnv<T>(fn: () => Promise<T>): Promise<T> {
    const saved = { ...process.env };
    Object.assign(process.env, roleEnv);
    try {
      return await fn();
    } finally {
      process.env = saved;
    }
  }

  it("PUT: the instance role reads the source, the stored key writes to China", async () => {
    await withRoleEnv(async () => {
      const clients = createClients(config({ JobType: "PUT" }), STORED);
      const src = await capture(clients.sourceS3);
      const dst = await capture(clients.destinationS3);
      expect(clients.sides).toEqual({ source: "instance-role", destination: "access-key" });
      expect(src.accessKeyId).toBe(ROLE_KEY);
      expect(src.url).toMatch(/^https:\/\/bucket-a\.s3\.(us-east-1\.)?amazonaws\.com\/k$/);
      expect(dst.accessKeyId).toBe(STORED.accessKeyId);
      expect(dst.url).toBe("https://bucket-a.s3.cn-north-1.amazonaws.com.cn/k");
      destroyClients(clients);
    });
  });

  it("GET: the stored key reads the source, the instance role writes the destination", async () => {
    await withRoleEnv(async () => {
      const clients = createClients(config({ JobType: "GET", Region: "cn-northwest-1" }), {
        ...STORED,
        region: "ap-northeast-1",
      });
      const src = await capture(clients.sourceS3);
      const dst = await capture(clients.destinationS3);
      expect(clients.sides).toEqual({ source: "access-key", destination: "instance-role" });
      expect(src.accessKeyId).toBe(STORED.accessKeyId);
      expect(src.url).toBe("https://bucket-a.s3.ap-northeast-1.amazonaws.com/k");
      expect(dst.accessKeyId).toBe(ROLE_KEY);
      expect(dst.url).toBe("https://bucket-a.s3.cn-northwest-1.amazonaws.com.cn/k");
      destroyClients(clients);
    });
  });

  it("uses endpoint overrides and path-style URLs for S3-compatible services", async () => {
    await withRoleEnv(async () => {
      const clients = createClients(
        config({ S3Endpoint: "http://127.0.0.1:7480", S3ForcePathStyle: "true" }),
        { ...STORED, endpoint: "http://127.0.0.1:7481" },
      );
      expect((await capture(clients.sourceS3)).url).toBe("http://127.0.0.1:7480/bucket-a/k");
      expect((await capture(clients.destinationS3)).url).toBe("http://127.0.0.1:7481/bucket-a/k");
      destroyClients(clients);
    });
  });

  it("applies retries and checksum mode from the config", async () => {
    const clients = createClients(
      config({ MaxRetry: "3", ChecksumMode: "WHEN_SUPPORTED" }),
      STORED,
    );
    for (const s3 of [clients.sourceS3, clients.destinationS3]) {
      expect(await s3.config.maxAttempts()).toBe(4);
      expect(await s3.config.requestChecksumCalculation()).toBe("WHEN_SUPPORTED");
    }
    destroyClients(clients);
  });

  it("signs uploads that carry a Content-MD5 without hashing the payload", async () => {
    const clients = createClients(config(), STORED);
    const body = Buffer.from("hello");
    const withMd5 = await capture(
      clients.destinationS3,
      new PutObjectCommand({
        Bucket: "b",
        Key: "k",
        Body: body,
        ContentMD5: "XUFAKrxLKna5cZ2REBfFkg==",
      }),
    );
    const without = await capture(
      clients.destinationS3,
      new PutObjectCommand({ Bucket: "b", Key: "k", Body: body }),
    );
    expect(withMd5.payloadHash).toBe("UNSIGNED-PAYLOAD");
    expect(without.payloadHash).toMatch(/^[0-9a-f]{64}$/);
    destroyClients(clients);
  });

  it("sends no Expect: 100-continue with large uploads (the body goes at once anyway)", async () => {
    const clients = createClients(config(), STORED);
    const sent = await capture(
      clients.destinationS3,
      new PutObjectCommand({
        Bucket: "b",
        Key: "k",
        Body: Buffer.alloc(8 * 1024 * 1024),
        ContentMD5: "lLQVRC6ZH4Ej4L+4FyIGbQ==",
      }),
    );
    expect(sent.expect).toBeUndefined();
    destroyClients(clients);
  });

  it("hands no command to the SDK's logger (its filter walk costs more than small requests)", async () => {
    const clients = createClients(config(), STORED);
    const each = [clients.sourceS3, clients.destinationS3, clients.sqs, clients.dynamodb];
    const logged: unknown[] = [];
    const answerLocally: FinalizeRequestMiddleware<object, MetadataBearer> = () => async () => ({
      output: { $metadata: {} },
      response: {},
    });
    for (const client of each) {
      // A logger that records: with the SDK's logger middleware in the stack it gets every
      // command's filtered input and output.
      client.config.logger.info = (entry: unknown) => logged.push(entry);
      (client.middlewareStack as MiddlewareStack<object, MetadataBearer>).add(answerLocally, {
        step: "finalizeRequest",
        priority: "low",
        name: "answerLocally",
      });
    }

    await withRoleEnv(async () => {
      await clients.sourceS3.send(new HeadObjectCommand({ Bucket: "b", Key: "k" }));
      await clients.destinationS3.send(new HeadObjectCommand({ Bucket: "b", Key: "k" }));
      await clients.sqs.send(
        new DeleteMessageCommand({ QueueUrl: "http://q/1", ReceiptHandle: "r" }),
      );
      await clients.dynamodb.send(new DescribeTableCommand({ TableName: "t" }));
    });

    expect(logged).toEqual([]);
    destroyClients(clients);
  });

  it("sizes the socket pool to every part of every object in flight", () => {
    expect(s3SocketCount({ maxConnections: 256 })).toBeGreaterThan(256);
  });
});

describe("ssmClientIfNeeded", () => {
  it("builds an SSM client only when a parameter is read from Parameter Store", () => {
    const local = {
      ssm_parameter_bucket: "file:/m.json",
      ssm_parameter_credentials: "file:/c.json",
    };
    expect(ssmClientIfNeeded(config(local))).toBeUndefined();
    expect(
      ssmClientIfNeeded(config({ ...local, ssm_parameter_credentials: "env:S3MIG_KEY" })),
    ).toBeUndefined();
    const mapInSsm = ssmClientIfNeeded(config({ ...local, ssm_parameter_bucket: "bucket_map" }));
    const keyInSsm = ssmClientIfNeeded(config({ ...local, ssm_parameter_credentials: "creds" }));
    expect(mapInSsm).toBeDefined();
    expect(keyInSsm).toBeDefined();
    mapInSsm?.destroy();
    keyInSsm?.destroy();
  });
});
