import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import {
  ConditionalCheckFailedException,
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import { type AwsClients, destroyClients, STATUS_TABLE } from "@s3-migration/common";
import { LeanDynamoDb } from "@s3-migration/worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localClients } from "./support/local-stack.js";
import { ensureStatusTable } from "./support/provision.js";

/**
 * The worker's lean UpdateItem (the claim and end writes of every object) against dynalite:
 * the same item and answer as the SDK's, the SDK's own exception for a refused condition, and
 * `undefined` (the caller then uses the SDK) for anything else.
 */
describe("LeanDynamoDb on the local stack", () => {
  let clients: AwsClients;
  const table = `lean-ddb-${randomUUID().slice(0, 8)}`;
  beforeAll(async () => {
    ({ clients } = await localClients());
    await ensureStatusTable(clients.dynamodb, table);
  });
  afterAll(async () => {
    await clients.dynamodb.send(new DeleteTableCommand({ TableName: table }));
    destroyClients(clients);
  });

  const update = (id: string): UpdateItemCommandInput => ({
    TableName: table,
    Key: { [STATUS_TABLE.partitionKey]: { S: id } },
    UpdateExpression: "SET #s = :running, sizeBytes = :size, note = :note ADD attempts :one",
    ConditionExpression: "attribute_not_exists(#s) OR #s <> :done",
    ExpressionAttributeNames: { "#s": "status" },
    ExpressionAttributeValues: {
      ":running": { S: "running" },
      ":size": { N: "65536" },
      ":note": { S: 'ünïcödé & <xml> "quotes"' },
      ":one": { N: "1" },
      ":done": { S: "done" },
    },
    ReturnValues: "ALL_NEW",
  });
  const read = async (id: string) =>
    (
      await clients.dynamodb.send(
        new GetItemCommand({
          TableName: table,
          Key: { [STATUS_TABLE.partitionKey]: { S: id } },
          ConsistentRead: true,
        }),
      )
    ).Item;

  it("writes the item and answers ALL_NEW exactly as the SDK does", async () => {
    // Prepare
    const lean = new LeanDynamoDb(clients.dynamodb);
    // Act
    const viaLean = await lean.updateItem(update("a"));
    const viaSdk = await clients.dynamodb.send(new UpdateItemCommand(update("b")));
    // Assess
    const withoutKey = (item: object | undefined) => {
      const { [STATUS_TABLE.partitionKey]: _key, ...rest } = (item ?? {}) as Record<
        string,
        unknown
      >;
      return rest;
    };
    expect(viaLean?.Attributes).toBeDefined();
    expect(withoutKey(viaLean?.Attributes)).toEqual(withoutKey(viaSdk.Attributes));
    expect(withoutKey(await read("a"))).toEqual(withoutKey(await read("b")));
    expect((await read("a"))?.note?.S).toBe('ünïcödé & <xml> "quotes"');
  });

  it("throws the SDK's ConditionalCheckFailedException when the condition is refused", async () => {
    // Prepare: an item that is done.
    const lean = new LeanDynamoDb(clients.dynamodb);
    await clients.dynamodb.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { [STATUS_TABLE.partitionKey]: { S: "c" } },
        UpdateExpression: "SET #s = :done",
        ExpressionAttributeNames: { "#s": "status" },
        ExpressionAttributeValues: { ":done": { S: "done" } },
      }),
    );
    // Act
    const refused = await lean.updateItem(update("c")).catch((err: unknown) => err);
    // Assess
    expect(refused).toBeInstanceOf(ConditionalCheckFailedException);
    expect((await read("c"))?.status?.S).toBe("done");
  });

  it("returns undefined for a missing table, so the caller sends it through the SDK", async () => {
    // Prepare
    const lean = new LeanDynamoDb(clients.dynamodb);
    // Act / Assess
    expect(await lean.updateItem({ ...update("d"), TableName: "no-such-table" })).toBeUndefined();
  });

  it("returns undefined when the service answers 500, and when nothing answers", async () => {
    // Prepare: an endpoint that answers 500.
    const server: Server = createServer((_req, res) => {
      res.writeHead(500, { "content-type": "application/x-amz-json-1.0" });
      res.end('{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError"}');
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    const client = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: "us-east-1",
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
    });
    try {
      // Act
      const on500 = await new LeanDynamoDb(client).updateItem(update("e"));
      await new Promise((r) => server.close(r));
      const onRefused = await new LeanDynamoDb(client).updateItem(update("f"));
      // Assess
      expect(on500).toBeUndefined();
      expect(onRefused).toBeUndefined();
    } finally {
      client.destroy();
    }
  });
});
