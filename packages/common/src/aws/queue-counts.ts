import { GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";

/** The narrow SQS surface the programs and the operator commands need. */
export type SqsSend = Pick<SQSClient, "send">;

/** Messages of one queue. */
export interface QueueCounts {
  readonly waiting: number;
  readonly inFlight: number;
  readonly delayed: number;
}

/** The approximate message counts of one queue (GetQueueAttributes). */
export async function queueCounts(
  sqs: SqsSend,
  queueUrl: string,
  signal?: AbortSignal,
): Promise<QueueCounts> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    }),
    { abortSignal: signal },
  );
  const a = out.Attributes ?? {};
  return {
    waiting: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}
