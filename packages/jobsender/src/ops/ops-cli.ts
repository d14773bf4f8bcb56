import {
  type AwsClients,
  type BucketMapping,
  type Config,
  ConfigError,
  createClients,
  createLogger,
  destroyClients,
  type Logger,
  loadBucketMap,
  loadConfig,
  loadCredentials,
  ssmClientIfNeeded,
} from "@s3-migration/common";

/** Exit codes shared by the operator commands (see the package README, "Operator commands"). */
export const OPS_EXIT = {
  /** Done; nothing wrong found. */
  ok: 0,
  /** Failed, or (verify) differences found. */
  failed: 1,
  /** Bad arguments, configuration, bucket map or credentials. */
  config: 2,
} as const;

/** What a command's body gets from {@link runOpsCommand}. */
export interface OpsContext {
  readonly config: Config;
  readonly clients: AwsClients;
  readonly logger: Logger;
  readonly mappings: readonly BucketMapping[];
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
}

/**
 * Runs `read` (argument parsing); on an error prints it with the usage line and exits 2.
 *
 * @example
 * const args = readOpsArgs("status", USAGE, () => parseArgs({ options }).values);
 */
export function readOpsArgs<T>(command: string, usage: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    process.stderr.write(
      `${command}: ${err instanceof Error ? err.message : String(err)}\nusage: ${usage}\n`,
    );
    process.exit(OPS_EXIT.config);
  }
}

/** Parses a non-negative number argument; throws a message naming the flag. */
export function nonNegative(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new Error(`--${flag}: got "${value}"; expected a number from 0 and up`);
  }
  return n;
}

/**
 * The shared composition of the operator commands: loads the config, bucket map and
 * credentials, builds the clients and a stderr JSON logger, runs `body` and sets the exit
 * code (2 on a ConfigError, 1 on any other error, else what `body` returns).
 */
export async function runOpsCommand(
  command: string,
  configPath: string,
  body: (ctx: OpsContext) => Promise<number>,
): Promise<void> {
  const controller = new AbortController();
  const stop = () => controller.abort(new Error(`${command} interrupted`));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  let config: Config;
  try {
    config = loadConfig(configPath, process.env).config;
  } catch (err) {
    process.stderr.write(`${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = err instanceof ConfigError ? OPS_EXIT.config : OPS_EXIT.failed;
    return;
  }
  const logger = createLogger({ service: command, level: config.logLevel, stream: process.stderr });
  let clients: AwsClients | undefined;
  try {
    const ssm = ssmClientIfNeeded(config);
    const mappings = await loadBucketMap(config.bucketMapParameter, ssm);
    clients = createClients(config, await loadCredentials(config.credentialsParameter, ssm));
    process.exitCode = await body({
      config,
      clients,
      logger,
      mappings,
      signal: controller.signal,
    });
  } catch (err) {
    logger.error(`${command} failed`, { error: err });
    process.stderr.write(`${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = err instanceof ConfigError ? OPS_EXIT.config : OPS_EXIT.failed;
  } finally {
    if (clients) destroyClients(clients);
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}
