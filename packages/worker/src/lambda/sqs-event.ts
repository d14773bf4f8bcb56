import type { Message } from "@aws-sdk/client-sqs";

/** One record of the SQS event Lambda's event source mapping delivers (the fields we read). */
export interface SqsEventRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes?: { readonly ApproximateReceiveCount?: string } | undefined;
  readonly eventSourceARN?: string | undefined;
}

/** The event of an SQS event source mapping. */
export interface SqsEvent {
  readonly Records: readonly SqsEventRecord[];
}

/** The answer that tells Lambda which messages to keep (`ReportBatchItemFailures`). */
export interface SqsBatchResponse {
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
}

/** The part of Lambda's context the handler reads. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
  readonly awsRequestId?: string | undefined;
}

/** A record as the message ReceiveMessage would have returned (what the processor reads). */
export function messageOf(record: SqsEventRecord): Message {
  return {
    MessageId: record.messageId,
    ReceiptHandle: record.receiptHandle,
    Body: record.body,
    Attributes: { ApproximateReceiveCount: record.attributes?.ApproximateReceiveCount ?? "1" },
  };
}

/**
 * Checks that `event` is an SQS event (a list of records with id, receipt handle and body);
 * throws a TypeError naming what is wrong otherwise, so a misconfigured trigger fails loudly.
 */
export function checkSqsEvent(event: unknown): SqsEvent {
  const records = (event as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(records)) {
    throw new TypeError("the event is not an SQS event: it has no Records list");
  }
  records.forEach((r: unknown, i) => {
    const rec = r as Partial<SqsEventRecord> | null;
    for (const field of ["messageId", "receiptHandle", "body"] as const) {
      if (typeof rec?.[field] !== "string") {
        throw new TypeError(`the event is not an SQS event: Records[${i}].${field} is missing`);
      }
    }
  });
  return event as SqsEvent;
}
