import { createServer, type Server } from "node:http";
import { S3Client } from "@aws-sdk/client-s3";
import { type BucketMapping, ConfigError } from "@s3-migration/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkRoleSideRegions } from "./bucket-regions.js";

// S3's answers to HeadBucket as AWS documents them, from a local HTTP server, read by the real
// SDK client: 200 with x-amz-bucket-region, 301 with it (a bucket in another region), and 200
// without it (S3-compatible servers such as Ceph).
const REGIONS: Record<string, { status: number; region?: string }> = {
  "here-bucket": { status: 200, region: "us-east-1" },
  "far-bucket": { status: 301, region: "eu-west-1" },
  "quiet-bucket": { status: 200 },
};

let server: Server;
let s3: S3Client;
const heads: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const bucket = (req.url ?? "").split("/")[1]?.split("?")[0] ?? "";
    heads.push(bucket);
    const answer = REGIONS[bucket] ?? { status: 404 };
    res.writeHead(answer.status, answer.region ? { "x-amz-bucket-region": answer.region } : {});
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as { port: number };
  s3 = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "a", secretAccessKey: "b" },
    maxAttempts: 1,
  });
});
afterAll(() => {
  s3.destroy();
  server.close();
});

const mapping = (srcBucket: string, desBucket = "dst"): BucketMapping => ({
  srcBucket,
  srcPrefix: "",
  desBucket,
  desPrefix: "",
});

describe("checkRoleSideRegions", () => {
  it("refuses a role-side bucket in another region, naming the bucket and both regions", async () => {
    // Act
    const err = await checkRoleSideRegions(
      [mapping("here-bucket"), mapping("far-bucket"), mapping("far-bucket", "other")],
      { side: "source", s3, region: "us-east-1" },
    ).catch((e: unknown) => e);
    // Assess: one problem for the far bucket (asked once), none for the one in the region.
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      {
        key: "bucket map[1].src_bucket",
        value: "far-bucket",
        expected: expect.stringContaining(
          "in us-east-1, the fleet's Region (S3 says it is in eu-west-1)",
        ),
      },
    ]);
    expect(heads.filter((b) => b === "far-bucket")).toHaveLength(1);
  });

  it("checks the destination buckets for GET, and passes buckets whose region S3 does not state", async () => {
    // Act / Assess
    await expect(
      checkRoleSideRegions([mapping("far-bucket", "quiet-bucket"), mapping("x", "no-such")], {
        side: "destination",
        s3,
        region: "us-east-1",
      }),
    ).resolves.toBeUndefined();
  });
});
