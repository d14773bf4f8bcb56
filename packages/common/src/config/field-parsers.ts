import { isAbsolute, resolve } from "node:path";
import type { ConfigProblem } from "../errors.js";
import type { ParameterRef } from "./config-types.js";

/**
 * Reads typed values out of the flat `key → text` settings, collecting every problem instead of
 * stopping at the first, so one ConfigError can list them all.
 */
export class FieldReader {
  readonly problems: ConfigProblem[] = [];
  readonly #raw: Readonly<Record<string, string>>;

  constructor(raw: Readonly<Record<string, string>>) {
    this.#raw = raw;
  }

  /** The trimmed text of `key`, or `undefined` when it is absent or empty. */
  text(key: string): string | undefined {
    const value = this.#raw[key]?.trim();
    return value === undefined || value === "" ? undefined : value;
  }

  problem(key: string, value: string | undefined, expected: string): void {
    this.problems.push({ key, value, expected });
  }

  required(key: string, expected: string): string | undefined {
    const value = this.text(key);
    if (value === undefined) this.problem(key, undefined, expected);
    return value;
  }

  string(key: string, fallback: string): string {
    return this.#raw[key]?.trim() ?? fallback;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const value = this.text(key);
    if (value === undefined) return fallback;
    const match = allowed.find((a) => a.toUpperCase() === value.toUpperCase());
    if (match === undefined) this.problem(key, value, `one of ${allowed.join(", ")}`);
    return match ?? fallback;
  }

  integer(key: string, fallback: number, min: number, max: number, unit = ""): number {
    const value = this.text(key);
    if (value === undefined) return fallback;
    const n = /^[+]?\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      this.problem(key, value, `an integer from ${min} to ${max}${unit ? ` (${unit})` : ""}`);
      return fallback;
    }
    return n;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.text(key);
    if (value === undefined) return fallback;
    const lower = value.toLowerCase();
    if (["true", "yes", "on", "1"].includes(lower)) return true;
    if (["false", "no", "off", "0"].includes(lower)) return false;
    this.problem(key, value, "True or False");
    return fallback;
  }

  url(key: string): string | undefined {
    const value = this.text(key);
    if (value === undefined) return undefined;
    let parsed: URL | undefined;
    try {
      parsed = new URL(value);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || !["http:", "https:"].includes(parsed.protocol)) {
      this.problem(key, value, "an http:// or https:// URL");
      return undefined;
    }
    return value;
  }

  /**
   * A parameter reference: `file:<path>` (relative paths resolve against `baseDir`, the ini
   * file's folder), `env:<VARIABLE>` or an SSM parameter name.
   */
  parameterRef(key: string, baseDir: string): ParameterRef | undefined {
    const expected =
      "an SSM parameter name ([A-Za-z0-9_.-/], 1-2048 chars), file:<path> or env:<VARIABLE>";
    const value = this.required(key, expected);
    if (value === undefined) return undefined;
    if (value.startsWith("env:")) {
      const variable = value.slice("env:".length);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
        this.problem(
          key,
          value,
          "an environment variable name after env: ([A-Za-z_][A-Za-z0-9_]*)",
        );
        return undefined;
      }
      return { kind: "env", variable };
    }
    if (value.startsWith("file:")) {
      const path = value.slice("file:".length);
      if (path === "") {
        this.problem(key, value, "a path after file:");
        return undefined;
      }
      return { kind: "file", path: isAbsolute(path) ? path : resolve(baseDir, path) };
    }
    if (!/^[A-Za-z0-9_.\-/]{1,2048}$/.test(value)) {
      this.problem(key, value, expected);
      return undefined;
    }
    return { kind: "ssm", name: value };
  }
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Why `name` is not a valid S3 bucket name, or `undefined` when it is. */
export function bucketNameProblem(name: string): string | undefined {
  if (!BUCKET_NAME.test(name) || name.includes("..")) {
    return "an S3 bucket name: 3-63 characters of a-z, 0-9, '.', '-', starting and ending with a letter or digit";
  }
  return undefined;
}

/** AWS region names such as us-east-1, cn-north-1, us-gov-west-1. */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
