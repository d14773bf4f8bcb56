import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { RetryableError } from "../errors.js";
import { formatJobMessage } from "../messages/job-message.js";
import { MessageSender } from "./message-sender.js";
import type { SqsSend } from "./queue-counts.js";

const job = (i: number) =>
  formatJobMessage({
    srcBucket: "s",
    srcKey: `k${i}`,
    dstBucket: "d",
    dstKey: `k${i}`,
    size: i,
  });

/** A fake SQS that records batches and fails the entries `fail` picks, round by round. */
function fakeSqs(fail: (id: string, call: number) => false | "server" | "sender" = () => false) {
  const bodies: string[] = [];
  let calls = 0;
  const send = async (command: unknown) => {
    if (!(command instanceof SendMessageBatchCommand)) throw new Error("unexpected command");
    const call = calls++;
    const entries = command.input.Entries ?? [];
    expect(entries.length).toBeLessThanOrEqual(10);
    const Failed = [];
    for (const e of entries) {
      const how = fail(e.Id ?? "", call);
      if (how) Failed.push({ Id: e.Id, SenderFault: how === "sender", Code: "InternalError" });
      else bodies.push(e.MessageBody ?? "");
    }
    return { Successful: [], Failed };
  };
  return { sqs: { send: send as unknown as SqsSend["send"] }, bodies, calls: () => calls };
}

describe("MessageSender", () => {
  it("sends every job once, 10 per batch", async () => {
    const fake = fakeSqs();
    const sender = new MessageSender(fake.sqs, "q");
    for (let i = 0; i < 95; i++) await sender.add(job(i));
    await sender.flush();
    expect(sender.sent).toBe(95);
    expect(fake.calls()).toBe(10);
    expect(new Set(fake.bodies.map((b) => JSON.parse(b).Src_key)).size).toBe(95);
  });

  it("resends the entries a batch reported as failed", async () => {
    const fake = fakeSqs((id, call) =>
      call === 0 && (id === "3" || id === "7") ? "server" : false,
    );
    const sender = new MessageSender(fake.sqs, "q", { retryDelayMs: 1 });
    for (let i = 0; i < 10; i++) await sender.add(job(i));
    await sender.flush();
    expect(sender.sent).toBe(10);
    expect(fake.bodies).toHaveLength(10);
  });

  it("gives up after maxRetry rounds and says how many were refused", async () => {
    const fake = fakeSqs((id) => (id === "0" ? "server" : false));
    const sender = new MessageSender(fake.sqs, "q", { maxRetry: 2, retryDelayMs: 1 });
    for (let i = 0; i < 10; i++) await sender.add(job(i));
    await expect(sender.flush()).rejects.toThrow(RetryableError);
    expect(fake.calls()).toBe(3);
  });

  it("does not resend what the queue refuses as malformed", async () => {
    const fake = fakeSqs((id) => (id === "0" ? "sender" : false));
    const sender = new MessageSender(fake.sqs, "q", { retryDelayMs: 1 });
    await sender.add(job(1));
    await expect(sender.flush()).rejects.toThrow(/refused a message/);
    expect(fake.calls()).toBe(1);
  });
});
