import type { Writable } from "node:stream";
import winston from "winston";
import type { LogLevel } from "./config/config-types.js";

/** The logger type used everywhere (winston's, narrowed to what we call). */
export type Logger = winston.Logger;

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** `jobsender`, `worker`, … → the `service` field of every line. */
  readonly service: string;
  /** @default "info" */
  readonly level?: LogLevel | undefined;
  /** Where JSON lines go. The jobsender's `--dry-run` logs to stderr. @default process.stdout */
  readonly stream?: Writable | undefined;
  /** Fields added to every line (e.g. `instanceId`). */
  readonly defaultMeta?: Readonly<Record<string, unknown>> | undefined;
}

const SECRET_FIELD = /secret|password|passwd|token|credential|authorization|signature/i;
const REDACTED = "[redacted]";

/**
 * Masks values of secret-looking fields at any depth: a credentials object logged by mistake
 * shows `[redacted]`, never a key. Errors become `{name, message, stack, requestId, cause}`.
 */
export function sanitizeForLog(value: unknown, depth = 0): unknown {
  if (depth > 6) return "[too deep]";
  if (value instanceof Error) return formatError(value, depth);
  if (Array.isArray(value)) return value.map((v) => sanitizeForLog(v, depth + 1));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] =
        SECRET_FIELD.test(k) && v !== undefined && v !== null
          ? REDACTED
          : sanitizeForLog(v, depth + 1);
    }
    return out;
  }
  return value;
}

function formatError(err: Error, depth: number): Record<string, unknown> {
  const meta = (err as { $metadata?: { requestId?: string; httpStatusCode?: number } }).$metadata;
  const out: Record<string, unknown> = { name: err.name, message: err.message, stack: err.stack };
  if (meta?.requestId) out.requestId = meta.requestId;
  if (meta?.httpStatusCode) out.httpStatusCode = meta.httpStatusCode;
  if (err.cause !== undefined) out.cause = sanitizeForLog(err.cause, depth + 1);
  return out;
}

const sanitize = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === "level" || key === "message") continue;
    info[key] = SECRET_FIELD.test(key) ? REDACTED : sanitizeForLog(info[key]);
  }
  return info;
});

/**
 * Creates the process's logger: JSON lines with `timestamp`, `level`, `message`, `service`
 * and camelCase domain fields. Call once per process; use `logger.child({ jobId })` per job.
 *
 * @example
 * const logger = createLogger({ service: "worker", level: config.logLevel });
 * logger.info("object copied", { srcKey, sizeBytes, durationMs });
 */
export function createLogger(options: LoggerOptions): Logger {
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console();
  return winston.createLogger({
    level: options.level ?? "info",
    defaultMeta: { service: options.service, ...options.defaultMeta },
    format: winston.format.combine(winston.format.timestamp(), sanitize(), winston.format.json()),
    transports: [transport],
  });
}
