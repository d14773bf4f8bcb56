import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
} from "@aws-sdk/client-sqs";
import type { SqsSend } from "@s3-migration/common";
import { awsErrorIs } from "@s3-migration/common";

/** Options of {@link redriveDlq}. */
export interface RedriveOptions {
  readonly dlqUrl: string;
  readonly queueUrl: string;
  /** Only list the messages (each is passed to `onMessage`), move nothing. @default false */
  readonly dryRun?: boolean | undefined;
  /** Try SQS's own StartMessageMoveTask first. @default true */
  readonly useMoveTask?: boolean | undefined;
  /**
   * Visibility timeout of received messages: how long a message stays hidden if the process
   * dies between send and delete (then it is moved again, as a duplicate). @default 60
   */
  readonly visibilityTimeoutSec?: number | undefined;
  /** Long-poll wait; an empty receive ends the redrive. @default 1 */
  readonly waitTimeSec?: number | undefined;
  /** Called for each message moved (or listed with `dryRun`). @default none */
  readonly onMessage?: ((message: Message) => void) | undefined;
  /** @default none */
  readonly signal?: AbortSignal | undefined;
}

/** What a redrive did. */
export type RedriveResult =
  | { readonly method: "move-task"; readonly taskHandle: string }
  | { readonly method: "receive-send-delete"; readonly moved: number }
  | { readonly method: "dry-run"; readonly listed: number };

/** True when the queue service does not know StartMessageMoveTask (emulators, some regions). */
export function isMoveTaskUnsupported(err: unknown): boolean {
  return awsErrorIs(err, "operation-unsupported");
}

async function queueArn(sqs: SqsSend, url: string, signal?: AbortSignal): Promise<string> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
    { abortSignal: signal },
  );
  const arn = out.Attributes?.QueueArn;
  if (arn === undefined) throw new Error(`queue ${url} has no QueueArn attribute`);
  return arn;
}

/**
 * Moves every message of the dead-letter queue back to the job queue. Uses StartMessageMoveTask
 * where the service has it (the move then runs in SQS; the result carries its handle); else
 * receives a batch, sends it to the queue, and deletes from the DLQ only what was sent. A crash
 * between send and delete leaves the message in the DLQ, to be moved again: a duplicate, never a
 * loss (workers are idempotent).
 *
 * @example
 * const result = await redriveDlq(sqs, { dlqUrl, queueUrl });
 */
export async function redriveDlq(sqs: SqsSend, options: RedriveOptions): Promise<RedriveResult> {
  const { signal } = options;
  if (options.dryRun) return listDlq(sqs, options);
  if (options.useMoveTask ?? true) {
    try {
      const [sourceArn, destinationArn] = await Promise.all([
        queueArn(sqs, options.dlqUrl, signal),
        queueArn(sqs, options.queueUrl, signal),
      ]);
      const out = await sqs.send(
        new StartMessageMoveTaskCommand({ SourceArn: sourceArn, DestinationArn: destinationArn }),
        { abortSignal: signal },
      );
      return { method: "move-task", taskHandle: out.TaskHandle ?? "" };
    } catch (err) {
      if (!isMoveTaskUnsupported(err)) throw err;
    }
  }
  let moved = 0;
  for (;;) {
    const batch = await receive(sqs, options);
    if (batch.length === 0) return { method: "receive-send-delete", moved };
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: batch.map((m, i) => ({
          Id: String(i),
          MessageBody: m.Body ?? "",
          MessageAttributes: m.MessageAttributes,
        })),
      }),
      { abortSignal: signal },
    );
    const ok = new Set((sent.Successful ?? []).map((s) => s.Id));
    const toDelete = batch.flatMap((m, i) =>
      ok.has(String(i)) ? [{ Id: String(i), ReceiptHandle: m.ReceiptHandle }] : [],
    );
    if (toDelete.length > 0) {
      const deleted = await sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: options.dlqUrl, Entries: toDelete }),
        { abortSignal: signal },
      );
      moved += (deleted.Successful ?? []).length;
    }
    for (const [i, m] of batch.entries()) if (ok.has(String(i))) options.onMessage?.(m);
    const failed = sent.Failed ?? [];
    if (failed.length > 0) {
      throw new Error(
        `${failed.length} messages could not be sent to the queue (${failed[0]?.Code}: ${failed[0]?.Message}); they stay in the DLQ`,
      );
    }
  }
}

async function receive(sqs: SqsSend, options: RedriveOptions): Promise<Message[]> {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: options.dlqUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: options.waitTimeSec ?? 1,
      VisibilityTimeout: options.visibilityTimeoutSec ?? 60,
      MessageAttributeNames: ["All"],
    }),
    { abortSignal: options.signal },
  );
  return out.Messages ?? [];
}

/** Receives every DLQ message once (hidden meanwhile), reports it, then makes all visible again. */
async function listDlq(sqs: SqsSend, options: RedriveOptions): Promise<RedriveResult> {
  const seen = new Set<string>();
  const handles: string[] = [];
  try {
    for (;;) {
      const batch = await receive(sqs, options);
      if (batch.length === 0) break;
      for (const m of batch) {
        if (m.ReceiptHandle !== undefined) handles.push(m.ReceiptHandle);
        if (m.MessageId !== undefined && seen.has(m.MessageId)) continue;
        if (m.MessageId !== undefined) seen.add(m.MessageId);
        options.onMessage?.(m);
      }
    }
  } finally {
    for (let i = 0; i < handles.length; i += 10) {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: options.dlqUrl,
          Entries: handles
            .slice(i, i + 10)
            .map((ReceiptHandle, n) => ({ Id: String(n), ReceiptHandle, VisibilityTimeout: 0 })),
        }),
      );
    }
  }
  return { method: "dry-run", listed: seen.size };
}
