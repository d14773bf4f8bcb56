import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type AwsClients,
  type Config,
  createClients,
  loadConfig,
  loadCredentials,
} from "@s3-migration/common";

/** The repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const STACK_SCRIPT = join(ROOT, "test", "local-stack", "stack.sh");
/** The stack's variables; `LOCAL_STACK_ENV` names another file (the copy benchmark over HTTPS). */
export const STACK_ENV_FILE = process.env.LOCAL_STACK_ENV ?? join(ROOT, ".local", "stack.env");
export const LOCAL_INI = join(ROOT, "config", "local.ini");

type StackCommand = "up" | "down" | "status" | "restart-rgw" | "stop-rgw" | "started";

/** Runs `stack.sh <command>`; returns true when it exits 0. Output goes to stderr, or nowhere. */
export function stack(command: StackCommand, quiet = false): boolean {
  try {
    execFileSync("bash", [STACK_SCRIPT, command], { stdio: quiet ? "ignore" : ["ignore", 2, 2] });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether any process of the local stack runs, healthy or not: a stack someone started
 * outside this test run (a developer's, a benchmark's), which the run must leave running.
 */
export function stackStarted(): boolean {
  return stack("started", true);
}

/** Quietly asks whether the whole local stack runs and answers. */
export function stackIsUp(): boolean {
  return stack("status", true);
}

/** The `KEY=value` lines of `.local/stack.env` (what production has as instance environment). */
export function readStackEnv(): Record<string, string> {
  if (!existsSync(STACK_ENV_FILE)) {
    throw new Error(`${STACK_ENV_FILE} is missing: start the local stack with \`pnpm local:up\``);
  }
  const env: Record<string, string> = {};
  for (const line of readFileSync(STACK_ENV_FILE, "utf8").split("\n")) {
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m?.[1] !== undefined) env[m[1]] = (m[2] ?? "").replace(/^(["'])(.*)\1$/, "$2");
  }
  return env;
}

/**
 * Puts the stack's environment into `process.env`, the way systemd's EnvironmentFile does on
 * an instance, so the SDK's default credential chain finds the instance-role side's key.
 */
export function applyStackEnv(): Record<string, string> {
  const env = readStackEnv();
  Object.assign(process.env, env);
  return env;
}

/**
 * The local configuration (`config/local.ini` + `.local/stack.env`), with optional overrides
 * given as ini keys (`{ table_queue_name: "t1" }`), applied as `S3MIG_<key>` variables.
 */
export function localConfig(overrides: Record<string, string> = {}): Config {
  const env: Record<string, string | undefined> = { ...process.env, ...readStackEnv() };
  for (const [key, value] of Object.entries(overrides)) env[`S3MIG_${key}`] = value;
  return loadConfig(LOCAL_INI, env).config;
}

/**
 * The local config (see {@link localConfig}) and clients built from it with the local
 * credentials file, the stack's variables applied to this process first. The caller destroys
 * the clients (`destroyClients`).
 */
export async function localClients(
  overrides: Record<string, string> = {},
): Promise<{ config: Config; clients: AwsClients }> {
  applyStackEnv();
  const config = localConfig(overrides);
  const clients = createClients(
    config,
    await loadCredentials(config.credentialsParameter, undefined),
  );
  return { config, clients };
}
