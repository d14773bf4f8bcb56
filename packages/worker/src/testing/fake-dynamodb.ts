import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";

type Item = Record<string, AttributeValue>;
type Names = Record<string, string> | undefined;
type Values = Record<string, AttributeValue> | undefined;

/**
 * An in-memory DynamoDB table for the status store: GetItem, and UpdateItem with the
 * expressions the store writes (`SET a = :v, b = if_not_exists(b, :v)`, `ADD n :v`; conditions
 * of `attribute_not_exists(a)`, `a = :v`, `a <> :v` joined by `OR`). Anything else throws, so a
 * new expression cannot pass unevaluated. Items are keyed by the first key attribute's value.
 */
export class FakeDynamoDb {
  readonly items = new Map<string, Item>();
  /** Command class names, in order. */
  readonly commands: string[] = [];

  readonly send = (async (command: unknown) => {
    this.commands.push((command as object).constructor.name);
    if (command instanceof GetItemCommand) {
      const item = this.items.get(keyOf(command.input.Key));
      return item === undefined ? {} : { Item: structuredClone(item) };
    }
    if (command instanceof UpdateItemCommand) return this.#update(command.input);
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

  #update(input: UpdateItemCommand["input"]): Record<string, never> {
    const key = keyOf(input.Key);
    const names = input.ExpressionAttributeNames;
    const values = input.ExpressionAttributeValues;
    const item: Item = structuredClone(this.items.get(key) ?? { ...input.Key });
    if (input.ConditionExpression && !holds(input.ConditionExpression, item, names, values)) {
      throw new ConditionalCheckFailedException({ message: "condition failed", $metadata: {} });
    }
    const m = /^SET (.+?)(?: ADD (.+))?$/.exec(input.UpdateExpression ?? "");
    if (!m) throw new Error(`FakeDynamoDb: unsupported update ${input.UpdateExpression}`);
    for (const assignment of splitTopLevel(m[1] ?? "")) {
      const [target = "", expr = ""] = assignment.split(/\s*=\s*(.+)/);
      const name = resolve(target.trim(), names);
      const ifNotExists = /^if_not_exists\((\S+),\s*(:\w+)\)$/.exec(expr.trim());
      if (ifNotExists) {
        item[name] ??= value(ifNotExists[2] ?? "", values);
      } else {
        item[name] = value(expr.trim(), values);
      }
    }
    if (m[2] !== undefined) {
      const [target = "", operand = ""] = m[2].trim().split(/\s+/);
      const name = resolve(target, names);
      const add = Number(value(operand, values).N);
      item[name] = { N: String(Number(item[name]?.N ?? 0) + add) };
    }
    this.items.set(key, item);
    return {};
  }
}

function keyOf(key: Item | undefined): string {
  const first = Object.values(key ?? {})[0];
  return first?.S ?? first?.N ?? "";
}

function resolve(name: string, names: Names): string {
  return name.startsWith("#") ? (names?.[name] ?? name) : name;
}

function value(placeholder: string, values: Values): AttributeValue {
  const v = values?.[placeholder];
  if (v === undefined) throw new Error(`FakeDynamoDb: no value for ${placeholder}`);
  return v;
}

/** Splits `a = :x, b = f(c, :y)` on the commas outside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "(") depth++;
    if (text[i] === ")") depth--;
    if (text[i] === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

function holds(condition: string, item: Item, names: Names, values: Values): boolean {
  return condition.split(" OR ").some((term) => {
    const notExists = /^attribute_not_exists\((\S+)\)$/.exec(term.trim());
    if (notExists) return item[resolve(notExists[1] ?? "", names)] === undefined;
    const cmp = /^(\S+) (=|<>) (:\w+)$/.exec(term.trim());
    if (!cmp) throw new Error(`FakeDynamoDb: unsupported condition ${term}`);
    const have = item[resolve(cmp[1] ?? "", names)];
    const equal = JSON.stringify(have) === JSON.stringify(value(cmp[3] ?? "", values));
    // As in DynamoDB, `<>` on a missing attribute is true.
    return cmp[2] === "=" ? equal : !equal;
  });
}
