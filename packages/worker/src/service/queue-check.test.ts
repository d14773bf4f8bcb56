import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import { createLogger, FatalError } from "@s3-migration/common";
import { describe, expect, it } from "vitest";
import { checkQueueAndTable, type QueueCheckOptions } from "./queue-check.js";

const logger = createLogger({ service: "test", level: "error" });

/** A queue service answering with `attributes`, and a table service that `table` answers for. */
function services(
  attributes: Record<string, string> | undefined,
  table: () => Promise<unknown> = async () => ({}),
): Pick<QueueCheckOptions, "sqs" | "dynamodb"> & { calls: string[] } {
  const calls: string[] = [];
  const sqs = {
    send: async (command: unknown) => {
      calls.push((command as object).constructor.name);
      if (command instanceof GetQueueUrlCommand) return { QueueUrl: "https://q/jobs" };
      if (command instanceof GetQueueAttributesCommand) return { Attributes: attributes };
      throw new Error("unexpected command");
    },
  } as unknown as QueueCheckOptions["sqs"];
  const dynamodb = {
    send: async (command: unknown) => {
      calls.push((command as object).constructor.name);
      if (command instanceof DescribeTableCommand) return table();
      throw new Error("unexpected command");
    },
  } as unknown as QueueCheckOptions["dynamodb"];
  return { sqs, dynamodb, calls };
}

const NAMES = { queueName: "jobs", tableName: "status", logger, backoffMs: 0 };

describe("checkQueueAndTable", () => {
  it("returns the queue URL and its visibility timeout after checking the table", async () => {
    const s = services({ VisibilityTimeout: "900" });
    const info = await checkQueueAndTable({ ...s, ...NAMES });
    expect(info).toEqual({ queueUrl: "https://q/jobs", visibilityTimeoutSec: 900 });
    expect(s.calls).toEqual([
      "GetQueueUrlCommand",
      "GetQueueAttributesCommand",
      "DescribeTableCommand",
    ]);
  });

  it.each([
    [undefined, /VisibilityTimeout is missing; expected an integer from 1 to 43200/],
    [{}, /VisibilityTimeout is missing/],
    [{ VisibilityTimeout: "" }, /VisibilityTimeout is ""/],
    [{ VisibilityTimeout: "0" }, /VisibilityTimeout is "0"/],
    [{ VisibilityTimeout: "12.5" }, /VisibilityTimeout is "12.5"/],
    [{ VisibilityTimeout: "43201" }, /VisibilityTimeout is "43201"/],
  ])("refuses to start when the visibility timeout is %j", async (attributes, message) => {
    const s = services(attributes);
    const err = await checkQueueAndTable({ ...s, ...NAMES }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FatalError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain("queue jobs");
  });

  it("tries an unreachable table again, then fails with its name and the cause", async () => {
    // Prepare
    const cause = Object.assign(new Error("no such table"), { name: "ResourceNotFoundException" });
    const s = services({ VisibilityTimeout: "60" }, async () => {
      throw cause;
    });
    // Act
    const err = await checkQueueAndTable({ ...s, ...NAMES, tries: 2 }).catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(FatalError);
    expect((err as Error).message).toBe(
      "queue jobs or table status not reachable (ResourceNotFoundException)",
    );
    expect((err as Error).cause).toBe(cause);
    expect(s.calls.filter((c) => c === "DescribeTableCommand")).toHaveLength(2);
  });
});
