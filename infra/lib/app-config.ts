import { dirname, resolve } from "node:path";
import { ConfigError, type ConfigProblem } from "@s3-migration/common";
import type { MigrationSettings } from "./migration-settings.js";
import { SERVERLESS_KINDS } from "./serverless-settings.js";
import { SOURCE_EVENT_KINDS } from "./source-events-settings.js";

/** How a setting given as `-c key=value` text is turned into its value. */
type Kind = "string" | "int" | "bool" | "list" | "json";

const KINDS: Readonly<Record<Exclude<keyof MigrationSettings, "bucketMapJson">, Kind>> = {
  jobType: "string",
  tableQueueName: "string",
  bucketMapParameterName: "string",
  credentialsParameterName: "string",
  credentialsKmsKeyArn: "string",
  bucketKmsKeyArns: "list",
  visibilityTimeoutSeconds: "int",
  maxReceiveCount: "int",
  queueRetentionDays: "int",
  workerInstanceTypes: "list",
  minCapacity: "int",
  maxCapacity: "int",
  onDemandBaseCapacity: "int",
  onDemandPercentageAboveBase: "int",
  scaleOutSteps: "json",
  idleMinutes: "int",
  rootVolumeGiB: "int",
  jobsenderEnabled: "bool",
  jobsenderInstanceType: "string",
  jobsenderSchedule: "string",
  ignorePatterns: "list",
  appSettings: "json",
  notificationEmails: "list",
  workerErrorThreshold: "int",
  logRetentionDays: "int",
  nodejsMajorVersion: "int",
  vpcCidr: "string",
  retainData: "bool",
  eventSource: "json",
  ...SERVERLESS_KINDS,
  ...SOURCE_EVENT_KINDS,
};

/** Keys accepted besides the settings: where the settings and the bucket map come from. */
const SOURCE_KEYS = ["config", "stackName", "bucketMap", "bucketMapFile"] as const;

/** What `bin/app.ts` builds the stack from. */
export interface AppConfig {
  readonly stackName: string;
  readonly settings: MigrationSettings;
  /** The settings file read, if any. */
  readonly configFile: string | undefined;
}

/** The default stack name. */
export const DEFAULT_STACK_NAME = "S3Migration";

/**
 * Reads the settings: a JSON file named by context `config` (keys as in {@link MigrationSettings},
 * plus `stackName`, `bucketMap` (the list itself) or `bucketMapFile` (a path relative to that
 * file)), then context values (`-c minCapacity=2`, `-c bucketMapFile=buckets.json`, `-c
 * bucketMap='[...]'`) on top. Without `config` or a bucket map: `defaultConfigFile` (the example).
 *
 * @param context - `app.node.tryGetContext`
 * @param readText - reads a file (relative paths resolve against the working directory)
 * @throws ConfigError naming every unknown key or unparsable value.
 */
export function readAppConfig(
  context: (key: string) => unknown,
  readFile: (path: string) => string,
  defaultConfigFile: string,
): AppConfig {
  const readText = readableOrConfigError(readFile);
  const problems: ConfigProblem[] = [];
  const configFile = chooseConfigFile(context, defaultConfigFile);
  const file = configFile === undefined ? {} : readConfigFile(configFile, readText, problems);
  const settings = coerceSettings(context, file, problems);
  const bucketMapJson = readBucketMap(
    { map: context("bucketMap"), file: context("bucketMapFile"), base: process.cwd() },
    {
      map: file.bucketMap,
      file: file.bucketMapFile,
      base: configFile ? dirname(configFile) : process.cwd(),
    },
    readText,
  );
  if (problems.length > 0) throw new ConfigError("invalid stack settings", problems);
  const stackName = context("stackName") ?? file.stackName ?? DEFAULT_STACK_NAME;
  return {
    stackName: String(stackName),
    settings: { ...settings, bucketMapJson } as MigrationSettings,
    configFile,
  };
}

/**
 * `read`, whose failure (a missing or unreadable settings or bucket-map file) becomes a
 * ConfigError naming the file: `cdk synth` prints one line and exits 2, no stack trace.
 */
function readableOrConfigError(read: (path: string) => string): (path: string) => string {
  return (path) => {
    try {
      return read(path);
    } catch (err) {
      throw new ConfigError(
        `cannot read ${path}`,
        [{ key: "file", value: path, expected: "an existing, readable file" }],
        { cause: err },
      );
    }
  };
}

/**
 * The settings file to read: context `config`; else none when the context gives the bucket
 * map; else the default (the example).
 */
function chooseConfigFile(
  context: (key: string) => unknown,
  defaultConfigFile: string,
): string | undefined {
  const contextHasMap =
    context("bucketMap") !== undefined || context("bucketMapFile") !== undefined;
  const configArg = context("config");
  return typeof configArg === "string"
    ? resolve(configArg)
    : contextHasMap
      ? undefined
      : defaultConfigFile;
}

/** The settings file as an object; an unknown key is added to `problems`. */
function readConfigFile(
  configFile: string,
  readText: (path: string) => string,
  problems: ConfigProblem[],
): Record<string, unknown> {
  const parsed = parseJsonText(readText(configFile), `config file ${configFile}`);
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError(`cannot use config file ${configFile}`, [
      { key: "config", value: configFile, expected: "a JSON object of stack settings" },
    ]);
  }
  const file = parsed as Record<string, unknown>;
  for (const key of Object.keys(file)) {
    if (!(key in KINDS) && !(SOURCE_KEYS as readonly string[]).includes(key))
      problems.push({
        key: `${configFile}: ${key}`,
        value: String(file[key]),
        expected: "a known setting (see infra/README.md)",
      });
  }
  return file;
}

/** Each setting from the context, else the file, turned into its kind of value. */
function coerceSettings(
  context: (key: string) => unknown,
  file: Record<string, unknown>,
  problems: ConfigProblem[],
): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const [key, kind] of Object.entries(KINDS)) {
    const raw = context(key) ?? file[key];
    if (raw === undefined) continue;
    const value = coerce(raw, kind);
    if (value === undefined) problems.push({ key, value: String(raw), expected: EXPECTED[kind] });
    else settings[key] = value;
  }
  return settings;
}

interface MapSource {
  readonly map: unknown;
  readonly file: unknown;
  readonly base: string;
}

/** The bucket map as text: context first, then the config file; inline lists are re-serialized. */
function readBucketMap(
  context: MapSource,
  file: MapSource,
  readText: (path: string) => string,
): string | undefined {
  for (const source of [context, file]) {
    if (source.map !== undefined)
      return typeof source.map === "string" ? source.map.trim() : JSON.stringify(source.map);
    if (typeof source.file === "string") return readText(resolve(source.base, source.file)).trim();
  }
  return undefined;
}

const EXPECTED: Readonly<Record<Kind, string>> = {
  string: "a string",
  int: "an integer",
  bool: "true or false",
  list: "a JSON list or comma-separated text",
  json: "JSON",
};

function coerce(raw: unknown, kind: Kind): unknown {
  switch (kind) {
    case "string":
      return typeof raw === "string" ? raw : undefined;
    case "int": {
      const n =
        typeof raw === "number"
          ? raw
          : typeof raw === "string" && raw.trim() !== ""
            ? Number(raw)
            : Number.NaN;
      return Number.isInteger(n) ? n : undefined;
    }
    case "bool":
      if (typeof raw === "boolean") return raw;
      return raw === "true" ? true : raw === "false" ? false : undefined;
    case "list":
      if (Array.isArray(raw)) return raw.map(String);
      if (typeof raw !== "string") return undefined;
      if (raw.trim().startsWith("[")) return tryJson(raw);
      return raw
        .split(",")
        .map((v) => v.trim())
        .filter((v) => v !== "");
    case "json":
      return typeof raw === "string" ? tryJson(raw) : raw;
  }
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseJsonText(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(
      `cannot read ${what}`,
      [{ key: "config", value: what, expected: "valid JSON" }],
      { cause: err },
    );
  }
}

/**
 * `-c key=value` / `--context key=value` arguments, for running the app without the CDK CLI
 * (`pnpm synth -- -c minCapacity=2`); the CLI passes its `-c` values through the environment.
 */
export function contextFromArgv(argv: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const inline = /^--context=(.*)$/.exec(arg)?.[1];
    const pair = inline ?? (arg === "-c" || arg === "--context" ? argv[++i] : undefined);
    if (pair === undefined) continue;
    const eq = pair.indexOf("=");
    if (eq > 0) context[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return context;
}
