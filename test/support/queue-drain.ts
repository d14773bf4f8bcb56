import {
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";

/**
 * Receives every message of a queue (until a one-second long poll brings none) and deletes
 * each, after `each` (if given) has acted on it as a worker would; returns the bodies in the
 * order received, duplicates kept.
 */
export async function drainQueue(
  sqs: SQSClient,
  queueUrl: string,
  each: (message: Message) => Promise<void> = async () => {},
): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    if ((out.Messages ?? []).length === 0) return bodies;
    for (const m of out.Messages ?? []) {
      bodies.push(m.Body ?? "");
      await each(m);
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }),
      );
    }
  }
}
