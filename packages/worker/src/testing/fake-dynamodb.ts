import {
  type AttributeValue,
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandOutput,
} from "@aws-sdk/client-dynamodb";
import { STATUS_TABLE } from "@s3-migration/common";
import {
  applyUpdate,
  checkAllUsed,
  conditionHolds,
  type Placeholders,
} from "./dynamo-expressions.js";

type Item = Record<string, AttributeValue>;

/**
 * An in-memory DynamoDB table for the status store: GetItem, and UpdateItem with the
 * expressions `dynamo-expressions.ts` reads (SET with `if_not_exists`, REMOVE, ADD; conditions
 * with AND, OR, NOT, parentheses and comparisons), `ReturnValues` `NONE` or `ALL_NEW`. Like
 * DynamoDB it refuses a name or value no expression uses, and a path in two clauses; anything it
 * does not understand throws, so a new expression cannot pass unevaluated. Items are keyed by the
 * first key attribute's value.
 */
export class FakeDynamoDb {
  readonly items = new Map<string, Item>();
  /** Command class names, in order. */
  readonly commands: string[] = [];
  /** Key values a BatchWriteItem leaves unprocessed (as DynamoDB does when throttled). */
  readonly unprocessed = new Set<string>();
  /** Called before each command is handled: throw from it to fail that command. */
  before: (command: unknown) => void = () => undefined;

  readonly send = (async (command: unknown) => {
    this.commands.push((command as object).constructor.name);
    this.before(command);
    if (command instanceof GetItemCommand) {
      const item = this.items.get(keyOf(command.input.Key));
      return item === undefined ? {} : { Item: structuredClone(item) };
    }
    if (command instanceof UpdateItemCommand) return this.#update(command.input);
    if (command instanceof BatchWriteItemCommand) return this.#batchWrite(command.input);
    throw new Error(`FakeDynamoDb does not handle ${(command as object).constructor.name}`);
  }) as unknown as Pick<DynamoDBClient, "send">["send"];

  /** The item of a key value as plain strings and numbers (`{ status: "done", attempts: 2 }`). */
  plain(key: string): Record<string, string | number> | undefined {
    const item = this.items.get(key);
    if (item === undefined) return undefined;
    return Object.fromEntries(
      Object.entries(item).map(([k, v]) => [k, v.N !== undefined ? Number(v.N) : (v.S ?? "?")]),
    );
  }

  /** Overwrites attributes of an item as another process would (plain strings and numbers). */
  patch(key: string, fields: Record<string, string | number>): void {
    const item = this.items.get(key) ?? {};
    for (const [k, v] of Object.entries(fields)) {
      item[k] = typeof v === "number" ? { N: String(v) } : { S: v };
    }
    this.items.set(key, item);
  }

  /** PutRequests only; a key twice in one call is refused, as DynamoDB does. */
  #batchWrite(input: BatchWriteItemCommand["input"]): Partial<BatchWriteItemCommandOutput> {
    const UnprocessedItems: NonNullable<BatchWriteItemCommandOutput["UnprocessedItems"]> = {};
    for (const [table, requests] of Object.entries(input.RequestItems ?? {})) {
      const keys = requests.map((r) => idOf(r.PutRequest?.Item));
      if (new Set(keys).size !== keys.length) throw new Error("duplicate key in a batch");
      for (const request of requests) {
        const item = request.PutRequest?.Item;
        if (item === undefined) throw new Error("FakeDynamoDb: only PutRequests are handled");
        if (!this.unprocessed.has(idOf(item))) this.items.set(idOf(item), structuredClone(item));
        else UnprocessedItems[table] = [...(UnprocessedItems[table] ?? []), request];
      }
    }
    return { UnprocessedItems };
  }

  #update(input: UpdateItemCommand["input"]): Partial<UpdateItemCommandOutput> {
    const key = keyOf(input.Key);
    const p: Placeholders = {
      names: input.ExpressionAttributeNames,
      values: input.ExpressionAttributeValues,
      used: new Set(),
    };
    if (input.ReturnValues !== undefined && !["NONE", "ALL_NEW"].includes(input.ReturnValues)) {
      throw new Error(`FakeDynamoDb: unsupported ReturnValues ${input.ReturnValues}`);
    }
    const before = this.items.get(key) ?? {};
    const holds =
      input.ConditionExpression === undefined ||
      conditionHolds(input.ConditionExpression, before, p);
    const item: Item = structuredClone({ ...before, ...input.Key });
    if (input.UpdateExpression === undefined) throw new Error("FakeDynamoDb: no UpdateExpression");
    applyUpdate(input.UpdateExpression, item, p);
    checkAllUsed(p);
    if (!holds) {
      throw new ConditionalCheckFailedException({ message: "condition failed", $metadata: {} });
    }
    this.items.set(key, item);
    return input.ReturnValues === "ALL_NEW" ? { Attributes: structuredClone(item) } : {};
  }
}

/** A whole item's key value. */
function idOf(item: Item | undefined): string {
  return item?.[STATUS_TABLE.partitionKey]?.S ?? "";
}

function keyOf(key: Item | undefined): string {
  const first = Object.values(key ?? {})[0];
  return first?.S ?? first?.N ?? "";
}
