import type { AttributeValue } from "@aws-sdk/client-dynamodb";

type Item = Record<string, AttributeValue>;

/** The placeholders of one request, and which of them its expressions used. */
export interface Placeholders {
  readonly names: Record<string, string> | undefined;
  readonly values: Record<string, AttributeValue> | undefined;
  readonly used: Set<string>;
}

/** Words DynamoDB reserves that an item of ours could plausibly be tempted to use bare. */
const RESERVED = new Set(["STATUS", "SIZE", "NAME", "KEY", "VALUE", "TIME", "OWNER", "DATA"]);

const TOKEN = /\s*(?:(#\w+)|(:\w+)|([A-Za-z_]\w*)|(<>|<=|>=|[=<>(),]))/y;

/**
 * A reader of the expressions the status store writes, evaluated as DynamoDB does. It knows
 * update clauses `SET a = :v, b = if_not_exists(b, :v)`, `REMOVE a, b`, `ADD n :v` (a number,
 * or a number set: union) (each once, in any order, no path in two of them) and conditions of
 * `attribute_exists(a)`,
 * `attribute_not_exists(a)`, comparisons `= <> < <= > >=` of paths and values, `NOT`, `AND`,
 * `OR` and parentheses. Anything else throws, so a new expression cannot pass unevaluated.
 */
class Reader {
  readonly #tokens: string[] = [];
  #at = 0;

  constructor(
    readonly text: string,
    readonly p: Placeholders,
  ) {
    TOKEN.lastIndex = 0;
    while (TOKEN.lastIndex < text.trimEnd().length) {
      const start = TOKEN.lastIndex;
      const m = TOKEN.exec(text);
      if (!m) throw new Error(`FakeDynamoDb: cannot read "${text.slice(start)}" in: ${text}`);
      this.#tokens.push(m[1] ?? m[2] ?? m[3] ?? m[4] ?? "");
    }
  }

  get done(): boolean {
    return this.#at >= this.#tokens.length;
  }

  peek(): string | undefined {
    return this.#tokens[this.#at];
  }

  next(): string {
    const t = this.#tokens[this.#at++];
    if (t === undefined) throw new Error(`FakeDynamoDb: unexpected end of: ${this.text}`);
    return t;
  }

  accept(token: string): boolean {
    if (this.peek() !== token) return false;
    this.#at++;
    return true;
  }

  expect(token: string): void {
    const t = this.next();
    if (t !== token)
      throw new Error(`FakeDynamoDb: expected "${token}", got "${t}" in: ${this.text}`);
  }

  /** An attribute name (`#name` resolved, or a bare name that is not reserved). */
  path(): string {
    const t = this.next();
    if (t.startsWith("#")) {
      const name = this.p.names?.[t];
      if (name === undefined) throw new Error(`FakeDynamoDb: no name for ${t}`);
      this.p.used.add(t);
      return name;
    }
    if (!/^[A-Za-z_]\w*$/.test(t))
      throw new Error(`FakeDynamoDb: not a path: "${t}" in: ${this.text}`);
    if (RESERVED.has(t.toUpperCase())) throw new Error(`FakeDynamoDb: reserved word ${t}`);
    return t;
  }

  /** The value of a `:placeholder`. */
  value(): AttributeValue {
    const t = this.next();
    const v = this.p.values?.[t];
    if (!t.startsWith(":") || v === undefined) throw new Error(`FakeDynamoDb: no value for ${t}`);
    this.p.used.add(t);
    return v;
  }
}

/** True when `condition` holds for `item` (the item as it is before the write). */
export function conditionHolds(condition: string, item: Item, p: Placeholders): boolean {
  const r = new Reader(condition, p);
  const result = orExpr(r, item);
  if (!r.done) throw new Error(`FakeDynamoDb: unexpected "${r.peek()}" in: ${condition}`);
  return result;
}

function orExpr(r: Reader, item: Item): boolean {
  let result = andExpr(r, item);
  while (r.accept("OR")) result = andExpr(r, item) || result;
  return result;
}

function andExpr(r: Reader, item: Item): boolean {
  let result = unary(r, item);
  while (r.accept("AND")) result = unary(r, item) && result;
  return result;
}

function unary(r: Reader, item: Item): boolean {
  if (r.accept("NOT")) return !unary(r, item);
  if (r.accept("(")) {
    const result = orExpr(r, item);
    r.expect(")");
    return result;
  }
  const fn = r.peek();
  if (fn === "attribute_exists" || fn === "attribute_not_exists") {
    r.next();
    r.expect("(");
    const exists = item[r.path()] !== undefined;
    r.expect(")");
    return fn === "attribute_exists" ? exists : !exists;
  }
  const left = operand(r, item);
  const op = r.next();
  const right = operand(r, item);
  return compare(left, op, right, r.text);
}

function operand(r: Reader, item: Item): AttributeValue | undefined {
  return r.peek()?.startsWith(":") ? r.value() : item[r.path()];
}

/** DynamoDB's comparison: `<>` holds for a missing side, every other operator does not. */
function compare(
  a: AttributeValue | undefined,
  op: string,
  b: AttributeValue | undefined,
  text: string,
): boolean {
  if (!["=", "<>", "<", "<=", ">", ">="].includes(op)) {
    throw new Error(`FakeDynamoDb: unsupported operator "${op}" in: ${text}`);
  }
  const sameType =
    a?.N !== undefined ? b?.N !== undefined : a?.S !== undefined && b?.S !== undefined;
  if (a === undefined || b === undefined || !sameType) return op === "<>";
  const order =
    a.N !== undefined
      ? Math.sign(Number(a.N) - Number(b.N))
      : (a.S ?? "") < (b.S ?? "")
        ? -1
        : (a.S ?? "") > (b.S ?? "")
          ? 1
          : 0;
  const results: Record<string, boolean> = {
    "=": order === 0,
    "<>": order !== 0,
    "<": order < 0,
    "<=": order <= 0,
    ">": order > 0,
    ">=": order >= 0,
  };
  return results[op] ?? false;
}

/** Applies an update expression to `item` (in place); operands read the item before it. */
export function applyUpdate(update: string, item: Item, p: Placeholders): void {
  const r = new Reader(update, p);
  const changes: [string, AttributeValue | undefined][] = [];
  const clauses = new Set<string>();
  while (!r.done) {
    const clause = r.next();
    if (clauses.has(clause)) throw new Error(`FakeDynamoDb: ${clause} twice in: ${update}`);
    clauses.add(clause);
    do {
      changes.push(change(clause, r, item));
    } while (r.accept(","));
  }
  const paths = changes.map(([path]) => path);
  const twice = paths.find((path, i) => paths.indexOf(path) !== i);
  if (twice !== undefined) throw new Error(`FakeDynamoDb: two document paths overlap: ${twice}`);
  for (const [path, v] of changes) {
    if (v === undefined) delete item[path];
    else item[path] = v;
  }
}

function change(clause: string, r: Reader, item: Item): [string, AttributeValue | undefined] {
  const path = r.path();
  if (clause === "REMOVE") return [path, undefined];
  if (clause === "ADD") {
    const add = r.value();
    if (add.NS !== undefined) {
      const have = item[path]?.NS ?? [];
      return [path, { NS: [...new Set([...have, ...add.NS])] }];
    }
    if (add.N === undefined) throw new Error(`FakeDynamoDb: ADD of a non-number to ${path}`);
    return [path, { N: String(Number(item[path]?.N ?? 0) + Number(add.N)) }];
  }
  if (clause !== "SET") throw new Error(`FakeDynamoDb: unsupported clause ${clause} in: ${r.text}`);
  r.expect("=");
  if (!r.accept("if_not_exists")) return [path, r.value()];
  r.expect("(");
  const existing = item[r.path()];
  r.expect(",");
  const fallback = r.value();
  r.expect(")");
  return [path, existing ?? fallback];
}

/** Throws like DynamoDB when a request carries a name or value no expression used. */
export function checkAllUsed(p: Placeholders): void {
  const provided = [...Object.keys(p.names ?? {}), ...Object.keys(p.values ?? {})];
  const unused = provided.filter((k) => !p.used.has(k));
  if (unused.length > 0)
    throw new Error(`FakeDynamoDb: unused in expressions: ${unused.join(", ")}`);
}
