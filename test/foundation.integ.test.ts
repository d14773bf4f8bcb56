import { createHash, randomBytes, randomUUID } from "node:crypto";
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import {
  type AwsClients,
  destroyClients,
  formatJobMessage,
  loadBucketMap,
  loadCredentials,
  parseJobMessage,
  STATUS_TABLE,
  statusItemId,
} from "@s3-migration/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localClients, localConfig } from "./support/local-stack.js";
import { ensureQueues, ensureStatusTable } from "./support/provision.js";

const md5 = (b: Buffer) => createHash("md5").update(b).digest("base64");
const unique = (p: string) => `${p}-${randomUUID().slice(0, 8)}`;

describe("foundation on the local stack", () => {
  let clients: AwsClients;
  // Each test run gets its own buckets, queue and table.
  const srcBucket = unique("found-src");
  const dstBucket = unique("found-dst");

  beforeAll(async () => {
    ({ clients } = await localClients({ table_queue_name: unique("found") }));
    await clients.sourceS3.send(new CreateBucketCommand({ Bucket: srcBucket }));
    await clients.destinationS3.send(new CreateBucketCommand({ Bucket: dstBucket }));
  });
  afterAll(() => destroyClients(clients));

  it("reads the local bucket map and credentials through the parameter seam", async () => {
    const config = localConfig();
    const map = await loadBucketMap(config.bucketMapParameter, undefined);
    const creds = await loadCredentials(config.credentialsParameter, undefined);
    expect(map[0]).toMatchObject({ srcBucket: "demo-source", desBucket: "demo-destination" });
    expect(creds.region).toBe("cn-north-1");
    expect(creds.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("keeps the two tenants apart: neither side can read the other's bucket", async () => {
    // Prepare
    await clients.sourceS3.send(new PutObjectCommand({ Bucket: srcBucket, Key: "k", Body: "x" }));
    await clients.destinationS3.send(
      new PutObjectCommand({ Bucket: dstBucket, Key: "k", Body: "y" }),
    );
    // Act
    const crossReads = await Promise.allSettled([
      clients.destinationS3.send(new GetObjectCommand({ Bucket: srcBucket, Key: "k" })),
      clients.destinationS3.send(new ListObjectsV2Command({ Bucket: srcBucket })),
      clients.sourceS3.send(new GetObjectCommand({ Bucket: dstBucket, Key: "k" })),
      clients.sourceS3.send(new ListObjectsV2Command({ Bucket: dstBucket })),
    ]);
    // Assess: every cross-tenant call fails (the bucket does not exist in the caller's tenant
    // namespace, or access is denied), and each side still reads its own object.
    for (const r of crossReads) {
      expect(r.status).toBe("rejected");
      const name = r.status === "rejected" ? (r.reason as Error).name : "";
      expect(["NoSuchBucket", "AccessDenied", "NoSuchKey"]).toContain(name);
    }
    const own = await clients.destinationS3.send(
      new GetObjectCommand({ Bucket: dstBucket, Key: "k" }),
    );
    expect(await own.Body?.transformToString()).toBe("y");
  });

  it("rejects a PUT whose Content-MD5 does not match the body (BadDigest)", async () => {
    const body = randomBytes(1024);
    const wrong = md5(Buffer.concat([body, Buffer.from("!")]));
    const err = await clients.destinationS3
      .send(new PutObjectCommand({ Bucket: dstBucket, Key: "bad", Body: body, ContentMD5: wrong }))
      .catch((e: Error) => e);
    expect((err as Error).name).toBe("BadDigest");
    const ok = await clients.destinationS3.send(
      new PutObjectCommand({ Bucket: dstBucket, Key: "good", Body: body, ContentMD5: md5(body) }),
    );
    expect(ok.ETag).toBe(`"${createHash("md5").update(body).digest("hex")}"`);
  });

  it("rejects an UploadPart whose Content-MD5 does not match the part (BadDigest)", async () => {
    const { UploadId } = await clients.destinationS3.send(
      new CreateMultipartUploadCommand({ Bucket: dstBucket, Key: "mp" }),
    );
    const part = randomBytes(5 * 1024 * 1024);
    const flipped = Buffer.from(part);
    flipped[12345] = (flipped[12345] ?? 0) ^ 0xff;
    const err = await clients.destinationS3
      .send(
        new UploadPartCommand({
          Bucket: dstBucket,
          Key: "mp",
          UploadId,
          PartNumber: 1,
          Body: flipped,
          ContentMD5: md5(part),
        }),
      )
      .catch((e: Error) => e);
    expect((err as Error).name).toBe("BadDigest");
  });

  it("creates and uses a queue with its DLQ through the project's client factory", async () => {
    const config = localConfig({ table_queue_name: unique("q") });
    const { queueUrl, dlqUrl } = await ensureQueues(clients.sqs, config.queueName, config.dlqName);
    const job = { srcBucket, srcKey: "emoji 😀+%/", dstBucket, dstKey: "emoji 😀+%/", size: 3 };
    await clients.sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: formatJobMessage(job) }),
    );
    const got = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        WaitTimeSeconds: 5,
        MaxNumberOfMessages: 10,
      }),
    );
    expect(got.Messages).toHaveLength(1);
    const parsed = parseJobMessage(got.Messages?.[0]?.Body ?? "", {
      desBucketDefault: "",
      desPrefixDefault: "",
    });
    expect(parsed).toEqual({ kind: "jobs", jobs: [{ ...job, versionId: undefined }] });
    await clients.sqs.send(
      new DeleteMessageCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: got.Messages?.[0]?.ReceiptHandle,
      }),
    );
    const attrs = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["All"] }),
    );
    expect(attrs.Attributes?.ApproximateNumberOfMessages).toBe("0");
    expect(JSON.parse(attrs.Attributes?.RedrivePolicy ?? "{}").deadLetterTargetArn).toMatch(
      new RegExp(`${config.dlqName}$`),
    );
    expect(dlqUrl).toContain(config.dlqName);
  });

  it("creates and uses the status table through the project's client factory", async () => {
    const table = unique("t");
    await ensureStatusTable(clients.dynamodb, table);
    const id = statusItemId(srcBucket, "a/b 😀");
    await clients.dynamodb.send(
      new PutItemCommand({
        TableName: table,
        Item: { [STATUS_TABLE.partitionKey]: { S: id }, status: { S: "done" } },
        ConditionExpression: "attribute_not_exists(#k)",
        ExpressionAttributeNames: { "#k": STATUS_TABLE.partitionKey },
      }),
    );
    const again = await clients.dynamodb
      .send(
        new PutItemCommand({
          TableName: table,
          Item: { [STATUS_TABLE.partitionKey]: { S: id }, status: { S: "running" } },
          ConditionExpression: "attribute_not_exists(#k)",
          ExpressionAttributeNames: { "#k": STATUS_TABLE.partitionKey },
        }),
      )
      .catch((e: Error) => e);
    expect((again as Error).name).toBe("ConditionalCheckFailedException");
    const item = await clients.dynamodb.send(
      new GetItemCommand({ TableName: table, Key: { [STATUS_TABLE.partitionKey]: { S: id } } }),
    );
    expect(item.Item?.status?.S).toBe("done");
  });
});
