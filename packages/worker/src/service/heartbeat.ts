import { ChangeMessageVisibilityCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Logger } from "@s3-migration/common";

/** The narrow SQS surface of the worker. */
export type SqsSend = Pick<SQSClient, "send">;

/**
 * Keeps a message invisible while its copy runs: every third of the queue's visibility timeout
 * it sets the visibility to a full timeout again, so a 40 GB copy is never handed to a second
 * worker, and calls `beat` (which renews the running object's lease in the status table).
 * Returns the function that stops it (call it in `finally`).
 */
export function startHeartbeat(
  sqs: SqsSend,
  queueUrl: string,
  receiptHandle: string,
  visibilityTimeoutSec: number,
  logger: Logger,
  beat: () => void = () => undefined,
): () => void {
  const everyMs = Math.max(1, Math.floor(visibilityTimeoutSec / 3)) * 1000;
  const timer = setInterval(() => {
    beat();
    sqs
      .send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: visibilityTimeoutSec,
        }),
      )
      .catch((err: unknown) => logger.warn("visibility heartbeat failed", { error: err }));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Makes a message visible again after `seconds` (0: at once, for another worker). */
export async function setVisibility(
  sqs: SqsSend,
  queueUrl: string,
  receiptHandle: string,
  seconds: number,
): Promise<void> {
  await sqs.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl,
      ReceiptHandle: receiptHandle,
      VisibilityTimeout: seconds,
    }),
  );
}
