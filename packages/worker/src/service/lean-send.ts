import { createHash } from "node:crypto";
import { BatchWriteItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SqsSend } from "./heartbeat.js";
import { LeanJson } from "./lean-json.js";
import type { DynamoSend } from "./status-store.js";

/** A command the lean path serves: its operation name and the client's class for it. */
interface LeanCommand {
  readonly operation: string;
  readonly type: new (input: never) => { readonly input: object };
  /** The endpoint it goes to (SQS: its queue's URL decides the host). */
  readonly endpointKey: (input: Record<string, unknown>) => string;
}

const SQS_COMMANDS: readonly LeanCommand[] = [
  { operation: "ReceiveMessage", type: ReceiveMessageCommand, endpointKey: queueUrl },
  { operation: "DeleteMessageBatch", type: DeleteMessageBatchCommand, endpointKey: queueUrl },
  {
    operation: "ChangeMessageVisibilityBatch",
    type: ChangeMessageVisibilityBatchCommand,
    endpointKey: queueUrl,
  },
];

const DYNAMODB_COMMANDS: readonly LeanCommand[] = [
  { operation: "BatchWriteItem", type: BatchWriteItemCommand, endpointKey: () => "dynamodb" },
];

/**
 * The SQS client's `send`, with the worker's per-message calls on the lean path
 * ({@link LeanJson}): receives, batched deletes and batched visibility changes. Every other
 * command, and every call the lean path cannot serve or that gets an error answer, goes through
 * the SDK (which then retries and reports the error as usual). A receive keeps the SDK's check
 * of each message's `MD5OfBody`.
 */
export function leanSqs(client: SQSClient): SqsSend {
  return leanSend(client, new LeanJson(client, "sqs", "AmazonSQS"), SQS_COMMANDS, checkBodies);
}

/**
 * The DynamoDB client's `send`, with BatchWriteItem (the batched `done` records) on the lean
 * path. Status items hold no binary attributes, so the JSON answer is the SDK's output as is.
 */
export function leanDynamoDb(client: DynamoDBClient): DynamoSend {
  return leanSend(client, new LeanJson(client, "dynamodb", "DynamoDB_20120810"), DYNAMODB_COMMANDS);
}

function leanSend<C extends SQSClient | DynamoDBClient>(
  client: C,
  json: LeanJson,
  commands: readonly LeanCommand[],
  check: (operation: string, output: Record<string, unknown>) => void = () => {},
): Pick<C, "send"> {
  const sdkSend = (command: unknown, options?: unknown) =>
    (client.send as (c: unknown, o?: unknown) => Promise<unknown>)(command, options);
  const send = async (command: unknown, options?: { abortSignal?: AbortSignal }) => {
    const lean = commands.find((c) => command instanceof c.type);
    if (lean === undefined) return sdkSend(command, options);
    const input = (command as { input: Record<string, unknown> }).input;
    const answer = await json.call(
      lean.operation,
      input,
      lean.endpointKey(input),
      () => new lean.type(input as never) as never,
      options?.abortSignal,
    );
    if (answer === undefined || answer.status < 200 || answer.status > 299) {
      return sdkSend(command, options);
    }
    const output = { ...answer.json, $metadata: { httpStatusCode: answer.status } };
    check(lean.operation, output);
    return output;
  };
  return { send } as unknown as Pick<C, "send">;
}

function queueUrl(input: Record<string, unknown>): string {
  return String(input.QueueUrl);
}

/** As the SDK's receive does: a message whose body does not match its MD5 fails the receive. */
function checkBodies(operation: string, output: Record<string, unknown>): void {
  if (operation !== "ReceiveMessage") return;
  const bad = ((output.Messages ?? []) as Message[])
    .filter(
      (m) =>
        createHash("md5")
          .update(m.Body ?? "")
          .digest("hex") !== m.MD5OfBody,
    )
    .map((m) => m.MessageId);
  if (bad.length > 0) throw new Error(`Invalid MD5 checksum on messages: ${bad.join(", ")}`);
}
