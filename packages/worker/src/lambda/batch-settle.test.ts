import { ChangeMessageVisibilityCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import type { SqsSend } from "../service/heartbeat.js";
import { BatchSettle } from "./batch-settle.js";
import { checkSqsEvent, messageOf } from "./sqs-event.js";

function fakeSqs() {
  const calls: unknown[] = [];
  const send = async (command: unknown) => {
    if (!(command instanceof ChangeMessageVisibilityCommand)) throw new Error("unexpected command");
    calls.push(command.input);
    return {};
  };
  return { sqs: { send: send as unknown as SqsSend["send"] }, calls };
}

describe("BatchSettle", () => {
  it("reports a deleted message as a success and leaves the delete to Lambda", async () => {
    const { sqs, calls } = fakeSqs();
    const settle = new BatchSettle(sqs, "q");
    await settle.delete("r1");
    expect(settle.succeeded("r1")).toBe(true);
    expect(calls).toEqual([]);
  });

  it("changes the visibility at once and reports the message as a failure", async () => {
    const { sqs, calls } = fakeSqs();
    const settle = new BatchSettle(sqs, "q");
    await settle.changeVisibility("r2", 30);
    expect(settle.succeeded("r2")).toBe(false);
    expect(calls).toEqual([{ QueueUrl: "q", ReceiptHandle: "r2", VisibilityTimeout: 30 }]);
  });

  it("reports a message it never heard of (left alone) as a failure", () => {
    expect(new BatchSettle(fakeSqs().sqs, "q").succeeded("r3")).toBe(false);
  });
});

describe("SQS events", () => {
  const record = { messageId: "m", receiptHandle: "r", body: "{}" };

  it("become the messages ReceiveMessage would have returned", () => {
    const withCount = { ...record, attributes: { ApproximateReceiveCount: "3" } };
    expect(messageOf(withCount)).toEqual({
      MessageId: "m",
      ReceiptHandle: "r",
      Body: "{}",
      Attributes: { ApproximateReceiveCount: "3" },
    });
  });

  it("are refused, naming the field, when they are not SQS events", () => {
    expect(() => checkSqsEvent({ detail: {} })).toThrow("it has no Records list");
    expect(() => checkSqsEvent({ Records: [record, { messageId: "x", body: "" }] })).toThrow(
      "Records[1].receiptHandle is missing",
    );
    expect(checkSqsEvent({ Records: [record] }).Records).toHaveLength(1);
  });
});
