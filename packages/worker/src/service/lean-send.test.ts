import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import {
  BatchWriteItemCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
} from "@aws-sdk/client-dynamodb";
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type SQSClientConfig,
} from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { CREDENTIALS } from "../testing/recording-client.js";
import { leanDynamoDb, leanSqs } from "./lean-send.js";

interface Seen {
  readonly hostname: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A real SDK client whose HTTP handler records each request and answers `answer`'s JSON. */
function recording<C>(
  make: (handler: unknown) => C,
  answer: (seen: Seen) => { status?: number; json: unknown },
): { client: C; seen: Seen[] } {
  const seen: Seen[] = [];
  const handler = {
    handle: async (request: Seen) => {
      const s = { ...request, body: String(request.body ?? "") };
      seen.push(s);
      const a = answer(s);
      return {
        response: {
          statusCode: a.status ?? 200,
          headers: { "content-type": "application/x-amz-json-1.0" },
          body: Readable.from([Buffer.from(JSON.stringify(a.json))]),
        },
      };
    },
  };
  return { client: make(handler), seen };
}

const sqsClient = (handler: unknown) =>
  new SQSClient({
    region: "cn-north-1",
    credentials: CREDENTIALS,
    maxAttempts: 1,
    requestHandler: handler as SQSClientConfig["requestHandler"],
  });
const QUEUE = "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/jobs";
const md5 = (s: string) => createHash("md5").update(s).digest("hex");
const message = (id: string, body: string, digest = md5(body)): Message => ({
  MessageId: id,
  ReceiptHandle: `r-${id}`,
  MD5OfBody: digest,
  Body: body,
  Attributes: { ApproximateReceiveCount: "2" },
});

describe("leanSqs", () => {
  it("receives through one signed JSON request, the messages as the SDK gives them", async () => {
    const messages = [message("m1", '{"Src_key":"a"}'), message("m2", '{"Src_key":"ü"}')];
    const { client, seen } = recording(sqsClient, () => ({ json: { Messages: messages } }));
    const input = {
      QueueUrl: QUEUE,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 2,
      MessageSystemAttributeNames: ["ApproximateReceiveCount" as const],
    };

    const out = await leanSqs(client).send(new ReceiveMessageCommand(input));

    expect(out.Messages).toEqual(messages);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers["x-amz-target"]).toBe("AmazonSQS.ReceiveMessage");
    expect(seen[0]?.headers.authorization).toMatch(
      /Credential=AKIDEXAMPLE\/\d{8}\/cn-north-1\/sqs\//,
    );
    // The SDK's own middleware (its user agent) is not in the way.
    expect(seen[0]?.headers["x-amz-user-agent"]).toBeUndefined();
    expect(JSON.parse(seen[0]?.body ?? "")).toEqual(input);
    expect(seen[0]?.hostname).toBe("sqs.cn-north-1.amazonaws.com.cn");
  });

  it("fails a receive whose message body does not match its MD5, as the SDK does", async () => {
    const bad = message("m2", "tampered", md5("original"));
    const { client } = recording(sqsClient, () => ({
      json: { Messages: [message("m1", "fine"), bad] },
    }));

    await expect(
      leanSqs(client).send(new ReceiveMessageCommand({ QueueUrl: QUEUE })),
    ).rejects.toThrow("Invalid MD5 checksum on messages: m2");
  });

  it("passes a batch's failed entries through untouched", async () => {
    const answer = {
      Successful: [{ Id: "0" }],
      Failed: [{ Id: "1", SenderFault: true, Code: "ReceiptHandleIsInvalid", Message: "bad" }],
    };
    const { client } = recording(sqsClient, () => ({ json: answer }));

    const out = await leanSqs(client).send(
      new DeleteMessageBatchCommand({
        QueueUrl: QUEUE,
        Entries: [
          { Id: "0", ReceiptHandle: "r0" },
          { Id: "1", ReceiptHandle: "r1" },
        ],
      }),
    );

    expect({ Successful: out.Successful, Failed: out.Failed }).toEqual(answer);
  });

  it("sends an error answer again through the SDK, whose error the caller gets", async () => {
    const error = { __type: "com.amazonaws.sqs#QueueDoesNotExist", message: "no queue" };
    const { client, seen } = recording(sqsClient, () => ({ status: 400, json: error }));

    await expect(
      leanSqs(client).send(new ReceiveMessageCommand({ QueueUrl: QUEUE })),
    ).rejects.toMatchObject({ name: "QueueDoesNotExist" });
    // The lean request, then the SDK's own (with its user agent).
    expect(seen).toHaveLength(2);
    expect(seen[1]?.headers["x-amz-user-agent"]).toBeDefined();
  });

  it("leaves every other command to the SDK", async () => {
    const { client, seen } = recording(sqsClient, () => ({
      json: { MessageId: "m", MD5OfMessageBody: md5("x") },
    }));

    await leanSqs(client).send(new SendMessageCommand({ QueueUrl: QUEUE, MessageBody: "x" }));

    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers["x-amz-user-agent"]).toBeDefined();
  });
});

describe("leanDynamoDb", () => {
  it("writes a batch through one JSON request and returns the unprocessed items", async () => {
    const item = { objectKey: { S: "b/k" }, status: { S: "done" }, sizeBytes: { N: "1" } };
    const unprocessed = { status: [{ PutRequest: { Item: item } }] };
    const { client, seen } = recording(
      (handler) =>
        new DynamoDBClient({
          region: "us-east-1",
          credentials: CREDENTIALS,
          maxAttempts: 1,
          requestHandler: handler as DynamoDBClientConfig["requestHandler"],
        }),
      () => ({ json: { UnprocessedItems: unprocessed } }),
    );
    const input = { RequestItems: { status: [{ PutRequest: { Item: item } }] } };

    const out = await leanDynamoDb(client).send(new BatchWriteItemCommand(input));

    expect(out.UnprocessedItems).toEqual(unprocessed);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers["x-amz-target"]).toBe("DynamoDB_20120810.BatchWriteItem");
    expect(JSON.parse(seen[0]?.body ?? "")).toEqual(input);
  });
});
