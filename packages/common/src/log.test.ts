import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, sanitizeForLog } from "./log.js";

function capture(level: "debug" | "info" | "warn" | "error" = "info") {
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stream.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line));
  });
  return { logger: createLogger({ service: "worker", level, stream }), lines };
}

describe("createLogger", () => {
  it("writes JSON lines with the fixed fields", async () => {
    const { logger, lines } = capture();
    logger.child({ jobId: "j1" }).info("object copied", { srcKey: "a/b", sizeBytes: 5 });
    await new Promise((r) => setImmediate(r));
    expect(lines).toEqual([
      expect.objectContaining({
        level: "info",
        message: "object copied",
        service: "worker",
        jobId: "j1",
        srcKey: "a/b",
        sizeBytes: 5,
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      }),
    ]);
  });

  it("honours the level", async () => {
    const { logger, lines } = capture("warn");
    logger.info("hidden");
    logger.warn("shown");
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => l.message)).toEqual(["shown"]);
  });

  it("never writes a secret, at any depth", async () => {
    const { logger, lines } = capture();
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    logger.info("loaded", {
      credentials: { aws_secret_access_key: secret },
      nested: { side: { secretAccessKey: secret, sessionToken: secret } },
      aws_secret_access_key: secret,
    });
    await new Promise((r) => setImmediate(r));
    expect(JSON.stringify(lines)).not.toContain(secret);
    expect(lines[0]).toMatchObject({ nested: { side: { secretAccessKey: "[redacted]" } } });
  });

  it("logs errors with name, message, request id and cause", async () => {
    const { logger, lines } = capture();
    const cause = Object.assign(new Error("UnknownError"), {
      name: "NoSuchKey",
      $metadata: { requestId: "req-1", httpStatusCode: 404 },
    });
    logger.error("object failed", { error: new Error("source object is gone", { cause }) });
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toMatchObject({
      error: {
        name: "Error",
        message: "source object is gone",
        cause: { name: "NoSuchKey", requestId: "req-1", httpStatusCode: 404 },
      },
    });
  });
});

describe("sanitizeForLog", () => {
  it("leaves ordinary values alone", () => {
    expect(sanitizeForLog({ a: [1, "x", { b: null }] })).toEqual({ a: [1, "x", { b: null }] });
  });
});
