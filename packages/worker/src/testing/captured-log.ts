import { Writable } from "node:stream";
import { createLogger, type Logger } from "@s3-migration/common";

/** One JSON log line, as the worker writes it. */
export type LogLine = Record<string, unknown> & { level: string; message: string };

/**
 * A real logger (the project's JSON format, masking and error shape) whose lines are kept in
 * `lines` instead of going to stdout. Lines arrive synchronously.
 */
export function capturedLog(level: "debug" | "info" | "warn" | "error" = "debug"): {
  logger: Logger;
  lines: LogLine[];
} {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      for (const text of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(text));
      callback();
    },
  });
  return { logger: createLogger({ service: "test", level, stream }), lines };
}
