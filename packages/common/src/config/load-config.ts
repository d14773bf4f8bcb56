import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse as parseIni } from "ini";
import { ConfigError, type ConfigProblem } from "../errors.js";
import { CONFIG_KEYS, type ParsedConfig, parseConfig } from "./parse-config.js";

/** Prefix of the environment variables that override ini keys: `S3MIG_MaxThread=20`. */
export const ENV_PREFIX = "S3MIG_";

/**
 * The SDK's standard variables, used only where the ini file leaves the key out (an explicit
 * setting in the file wins over the environment, as it does for the SDK's own client config).
 */
const AWS_STANDARD_ENV: Readonly<Record<string, readonly string[]>> = {
  Region: ["AWS_REGION", "AWS_DEFAULT_REGION"],
  S3Endpoint: ["AWS_ENDPOINT_URL_S3"],
  SqsEndpoint: ["AWS_ENDPOINT_URL_SQS"],
  DynamoDbEndpoint: ["AWS_ENDPOINT_URL_DYNAMODB"],
  SsmEndpoint: ["AWS_ENDPOINT_URL_SSM"],
};

/**
 * Loads the configuration: the ini file, then `AWS_*` standard variables for keys the file
 * leaves out, then `S3MIG_<key>` overrides. Validates everything once; throws one ConfigError.
 *
 * @example
 * const { config, warnings } = loadConfig("config/s3_migration_config.ini", process.env);
 */
export function loadConfig(
  iniPath: string,
  env: Readonly<Record<string, string | undefined>>,
): ParsedConfig {
  const path = resolve(iniPath);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(
      "cannot read the configuration file",
      [{ key: "--config", value: iniPath, expected: "a readable .ini file" }],
      { cause: err },
    );
  }
  return parseConfig(mergeSettings(flattenIni(text), env), dirname(path));
}

/** Applies the environment to the ini settings; see {@link loadConfig} for the order. */
export function mergeSettings(
  fromIni: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const merged: Record<string, string> = { ...fromIni };
  for (const [key, names] of Object.entries(AWS_STANDARD_ENV)) {
    if (merged[key] !== undefined && merged[key].trim() !== "") continue;
    const value = names.map((n) => env[n]).find((v) => v !== undefined && v !== "");
    if (value !== undefined) merged[key] = value;
  }
  for (const key of CONFIG_KEYS) {
    const value = env[`${ENV_PREFIX}${key}`];
    if (value !== undefined) merged[key] = value;
  }
  return merged;
}

/**
 * Parses ini text into one flat `key → text` map. Sections (`[Basic]`, `[Debug]` as the
 * original tool wrote them) only group keys; the same key in two sections is an error.
 */
export function flattenIni(text: string): Record<string, string> {
  const parsed: Record<string, unknown> = parseIni(text);
  const flat: Record<string, string> = {};
  const problems: ConfigProblem[] = [];
  const put = (key: string, value: unknown, section: string): void => {
    if (key in flat) {
      problems.push({
        key,
        value: String(value),
        expected: `one occurrence (again in [${section}])`,
      });
      return;
    }
    flat[key] = String(value);
  };
  for (const [key, value] of Object.entries(parsed)) {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      for (const [inner, innerValue] of Object.entries(value)) put(inner, innerValue, key);
    } else {
      put(key, value, "top level");
    }
  }
  if (problems.length > 0) throw new ConfigError("invalid configuration file", problems);
  return flat;
}
