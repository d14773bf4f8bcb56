import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { FakeDynamoDb } from "./fake-dynamodb.js";

const KEY = { objectId: { S: "k" } };

/** An UpdateItem of `k`, with the given expressions and `:n` = `n`, `:s` = `s`. */
function update(
  updateExpression: string,
  condition: string | undefined,
  values: Record<string, { S: string } | { N: string }>,
) {
  return new UpdateItemCommand({
    TableName: "t",
    Key: KEY,
    UpdateExpression: updateExpression,
    ConditionExpression: condition,
    ExpressionAttributeValues: values,
  });
}

describe("FakeDynamoDb", () => {
  it("evaluates AND before OR, parentheses, < on numbers and a missing attribute as DynamoDB does", async () => {
    // Prepare
    const db = new FakeDynamoDb();
    db.patch("k", { n: 5, s: "b" });
    const values = { ":v": { N: "1" }, ":five": { N: "5" }, ":a": { S: "a" }, ":ten": { N: "10" } };
    const holds = async (condition: string) => {
      const used = Object.entries(values).filter(([k]) => k === ":v" || condition.includes(k));
      try {
        await db.send(update("SET x = :v", condition, Object.fromEntries(used)));
        return true;
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException) return false;
        throw err;
      }
    };
    // Act, Assess
    expect(await holds("n < :ten AND s <> :a AND :five = :five AND :ten > :five")).toBe(true);
    expect(await holds("n < :five")).toBe(false);
    expect(await holds("n < :ten AND s = :a OR attribute_not_exists(n)")).toBe(false);
    expect(await holds("s = :a OR (n <= :five AND attribute_exists(s))")).toBe(true);
    expect(await holds("missing < :ten OR NOT missing <> :ten")).toBe(false);
    expect(await holds("s < :ten")).toBe(false);
  });

  it("applies SET, if_not_exists, REMOVE and ADD, and answers ALL_NEW", async () => {
    // Prepare
    const db = new FakeDynamoDb();
    db.patch("k", { a: "old", b: "keep", gone: "x" });
    // Act
    const out = await db.send(
      new UpdateItemCommand({
        TableName: "t",
        Key: KEY,
        UpdateExpression: "REMOVE gone SET a = :a, b = if_not_exists(b, :a) ADD n :one",
        ExpressionAttributeValues: { ":a": { S: "new" }, ":one": { N: "1" } },
        ReturnValues: "ALL_NEW",
      }),
    );
    // Assess
    expect(out.Attributes).toEqual({
      objectId: { S: "k" },
      a: { S: "new" },
      b: { S: "keep" },
      n: { N: "1" },
    });
    expect((await db.send(new GetItemCommand({ TableName: "t", Key: KEY }))).Item).toEqual(
      out.Attributes,
    );
  });

  it.each([
    ["an unknown function", "SET a = :v", "size(a) < :v"],
    ["an unknown clause", "DELETE a :v", undefined],
    ["a reserved word", "SET status = :v", undefined],
    ["a path in two clauses", "SET a = :v REMOVE a", undefined],
    ["a value no expression uses", "SET a = :v", "attribute_exists(a)", { ":w": { S: "w" } }],
    ["a literal", "SET a = :v", "a = 5"],
    ["a dangling operator", "SET a = :v", "attribute_exists(a) AND"],
  ])(
    "throws on %s",
    async (_what, expression, condition, extra?: Record<string, { S: string }>) => {
      const db = new FakeDynamoDb();
      const values = { ":v": { S: "v" }, ...extra };
      await expect(db.send(update(expression, condition, values))).rejects.toThrow(/FakeDynamoDb/);
    },
  );
});
