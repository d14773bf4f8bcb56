import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
} from "@aws-sdk/client-sqs";
import type { SqsSend } from "@s3-migration/common";
import { describe, expect, it } from "vitest";
import { isMoveTaskUnsupported, redriveDlq } from "./dlq-redrive.js";

/** A message of the fake: `hidden` while received and not yet deleted or released. */
interface FakeMessage {
  id: string;
  body: string;
  hidden: boolean;
}

interface FakeSqsOptions {
  moveTask?: boolean;
  failAfterSends?: number;
}

/** What the fake holds: its queues by URL, what it was asked, and its counters. */
interface FakeSqsState {
  readonly queues: Record<string, FakeMessage[]>;
  readonly commands: string[];
  readonly moveTasks: unknown[];
  nextId: number;
  sends: number;
}

/**
 * Two in-memory queues. Received messages are hidden until `expireVisibility()`; the move task
 * is unknown (as on fauxqs) unless `moveTask`; `failAfterSends` throws on that send batch.
 */
function fakeSqs(options: FakeSqsOptions = {}) {
  const state: FakeSqsState = {
    queues: { dlq: [], queue: [] },
    commands: [],
    moveTasks: [],
    nextId: 0,
    sends: 0,
  };
  const { queues, commands, moveTasks } = state;
  const sqs: SqsSend = {
    send: (async (command: unknown) => {
      commands.push((command as object).constructor.name);
      return answer(state, options, command);
    }) as SqsSend["send"],
  };
  for (let i = 0; i < 25; i++) queues.dlq?.push({ id: `d${i}`, body: `job-${i}`, hidden: false });
  return {
    sqs,
    queues,
    commands,
    moveTasks,
    expireVisibility: () => {
      for (const m of queues.dlq ?? []) m.hidden = false;
    },
  };
}

/** The fake's answer to one command (it throws as the service would). */
function answer(state: FakeSqsState, options: FakeSqsOptions, command: unknown): unknown {
  if (command instanceof GetQueueAttributesCommand) {
    return { Attributes: { QueueArn: `arn:${command.input.QueueUrl}` } };
  }
  if (command instanceof StartMessageMoveTaskCommand) {
    state.moveTasks.push(command.input);
    if (options.moveTask) return { TaskHandle: "task-1" };
    throw Object.assign(new Error("Unknown action: StartMessageMoveTask"), {
      name: "InvalidAction",
    });
  }
  if (command instanceof ReceiveMessageCommand) return receive(state.queues, command);
  if (command instanceof SendMessageBatchCommand) return sendBatch(state, options, command);
  if (command instanceof DeleteMessageBatchCommand) return deleteBatch(state.queues, command);
  if (command instanceof ChangeMessageVisibilityBatchCommand) {
    return releaseBatch(state.queues, command);
  }
  throw new Error("unexpected command");
}

function receive(queues: FakeSqsState["queues"], command: ReceiveMessageCommand) {
  const q = queues[command.input.QueueUrl ?? ""] ?? [];
  const got = q.filter((m) => !m.hidden).slice(0, command.input.MaxNumberOfMessages ?? 1);
  for (const m of got) m.hidden = true;
  return {
    Messages: got.map((m) => ({ MessageId: m.id, ReceiptHandle: m.id, Body: m.body })),
  };
}

function sendBatch(state: FakeSqsState, options: FakeSqsOptions, command: SendMessageBatchCommand) {
  state.sends++;
  if (options.failAfterSends !== undefined && state.sends > options.failAfterSends) {
    throw new Error("connection reset");
  }
  const entries = command.input.Entries ?? [];
  for (const e of entries) {
    state.queues[command.input.QueueUrl ?? ""]?.push({
      id: `m${state.nextId++}`,
      body: e.MessageBody ?? "",
      hidden: false,
    });
  }
  return { Successful: entries.map((e) => ({ Id: e.Id })) };
}

function deleteBatch(queues: FakeSqsState["queues"], command: DeleteMessageBatchCommand) {
  const entries = command.input.Entries ?? [];
  const url = command.input.QueueUrl ?? "";
  queues[url] = (queues[url] ?? []).filter((m) => !entries.some((e) => e.ReceiptHandle === m.id));
  return { Successful: entries.map((e) => ({ Id: e.Id })) };
}

/** Makes the batch's messages visible again. */
function releaseBatch(
  queues: FakeSqsState["queues"],
  command: ChangeMessageVisibilityBatchCommand,
) {
  for (const e of command.input.Entries ?? []) {
    const m = queues[command.input.QueueUrl ?? ""]?.find((x) => x.id === e.ReceiptHandle);
    if (m) m.hidden = false;
  }
  return { Successful: [] };
}

const bodies = (q: { body: string }[] | undefined) => new Set((q ?? []).map((m) => m.body));
const ALL = new Set(Array.from({ length: 25 }, (_, i) => `job-${i}`));

describe("redriveDlq", () => {
  it("falls back to receive, send, delete when the service has no move task", async () => {
    const f = fakeSqs();
    const result = await redriveDlq(f.sqs, { dlqUrl: "dlq", queueUrl: "queue" });
    expect(result).toEqual({ method: "receive-send-delete", moved: 25 });
    expect(bodies(f.queues.queue)).toEqual(ALL);
    expect(f.queues.dlq).toEqual([]);
  });

  it("moves the DLQ's messages to the job queue with StartMessageMoveTask where the service has it", async () => {
    // Prepare
    const f = fakeSqs({ moveTask: true });
    // Act
    const result = await redriveDlq(f.sqs, { dlqUrl: "dlq", queueUrl: "queue" });
    // Assess: one task from the DLQ's ARN to the queue's (never the other way round), and no
    // message touched by the fallback.
    expect(f.moveTasks).toEqual([{ SourceArn: "arn:dlq", DestinationArn: "arn:queue" }]);
    expect(result).toEqual({ method: "move-task", taskHandle: "task-1" });
    expect(f.commands).not.toContain("ReceiveMessageCommand");
    expect(f.queues.dlq).toHaveLength(25);
  });

  it("does not try the move task when told not to", async () => {
    const f = fakeSqs({ moveTask: true });
    const result = await redriveDlq(f.sqs, {
      dlqUrl: "dlq",
      queueUrl: "queue",
      useMoveTask: false,
    });
    expect(f.moveTasks).toEqual([]);
    expect(result).toEqual({ method: "receive-send-delete", moved: 25 });
    expect(bodies(f.queues.queue)).toEqual(ALL);
  });

  it("loses no message when it crashes halfway, and a second run moves the rest", async () => {
    // Prepare: the second send batch fails.
    const f = fakeSqs({ failAfterSends: 1 });
    // Act 1
    await expect(redriveDlq(f.sqs, { dlqUrl: "dlq", queueUrl: "queue" })).rejects.toThrow(
      "connection reset",
    );
    // Assess 1: every message is in one queue or the other.
    const union = new Set([...bodies(f.queues.queue), ...bodies(f.queues.dlq)]);
    expect(union).toEqual(ALL);
    // Act 2: the received but unsent batch becomes visible again; a healthy run finishes.
    f.expireVisibility();
    const healthy = fakeSqs();
    healthy.queues.dlq = f.queues.dlq ?? [];
    healthy.queues.queue = f.queues.queue ?? [];
    await redriveDlq(healthy.sqs, { dlqUrl: "dlq", queueUrl: "queue" });
    // Assess 2
    expect(bodies(healthy.queues.queue)).toEqual(ALL);
    expect(healthy.queues.dlq).toEqual([]);
  });

  it("lists with dryRun, moves nothing and leaves the messages visible", async () => {
    const f = fakeSqs();
    const seen: string[] = [];
    const result = await redriveDlq(f.sqs, {
      dlqUrl: "dlq",
      queueUrl: "queue",
      dryRun: true,
      onMessage: (m) => seen.push(m.Body ?? ""),
    });
    expect(result).toEqual({ method: "dry-run", listed: 25 });
    expect(new Set(seen)).toEqual(ALL);
    expect(f.queues.queue).toEqual([]);
    expect(f.queues.dlq?.every((m) => !m.hidden)).toBe(true);
  });
});

describe("isMoveTaskUnsupported", () => {
  it("recognises unknown-operation errors and nothing else", () => {
    expect(isMoveTaskUnsupported({ name: "UnsupportedOperation", message: "" })).toBe(true);
    expect(
      isMoveTaskUnsupported({ name: "X", message: "Unknown action: StartMessageMoveTask" }),
    ).toBe(true);
    expect(isMoveTaskUnsupported({ name: "AccessDenied", message: "denied" })).toBe(false);
    expect(isMoveTaskUnsupported(undefined)).toBe(false);
  });
});
