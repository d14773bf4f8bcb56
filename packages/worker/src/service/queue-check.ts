import { DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import { FatalError, type Logger, queueCounts } from "@s3-migration/common";
import type { SqsSend } from "./heartbeat.js";

/** SQS keeps a message invisible at most 12 hours. */
const MAX_VISIBILITY_TIMEOUT_SEC = 43_200;

/** What the worker needs to know about its queue before it takes a message. */
export interface QueueInfo {
  readonly queueUrl: string;
  /** The queue's VisibilityTimeout: the heartbeat renews a message's invisibility to it. */
  readonly visibilityTimeoutSec: number;
  /** The redrive policy's maxReceiveCount (receives before the DLQ), when the queue has one. */
  readonly maxReceiveCount?: number | undefined;
}

/** Options of {@link checkQueueAndTable}. */
export interface QueueCheckOptions {
  readonly sqs: SqsSend;
  readonly dynamodb: Pick<DynamoDBClient, "send">;
  readonly queueName: string;
  readonly tableName: string;
  readonly logger: Logger;
  /** Attempts before giving up. @default 3 */
  readonly tries?: number | undefined;
  /** Wait before attempt n+1 is n × this. @default 2000 */
  readonly backoffMs?: number | undefined;
}

/**
 * Finds the queue, reads its visibility timeout and checks the status table, before any
 * message is taken. Unreachable resources are tried again (the fleet may boot before the
 * network is up), then a `FatalError`; a visibility timeout that cannot be read or is out of
 * SQS's range is a `FatalError` at once: the heartbeat cannot keep a copy's message hidden
 * without it.
 */
export async function checkQueueAndTable(options: QueueCheckOptions): Promise<QueueInfo> {
  const tries = options.tries ?? 3;
  for (let attempt = 1; ; attempt++) {
    let info: Awaited<ReturnType<typeof readQueue>>;
    try {
      info = await readQueue(options);
      await options.dynamodb.send(new DescribeTableCommand({ TableName: options.tableName }));
    } catch (err) {
      options.logger.error("queue or status table not reachable", {
        queueName: options.queueName,
        tableName: options.tableName,
        attempt,
        error: err,
      });
      if (attempt >= tries) {
        const name = err instanceof Error ? err.name : String(err);
        throw new FatalError(
          `queue ${options.queueName} or table ${options.tableName} not reachable (${name})`,
          { cause: err },
        );
      }
      await new Promise((r) => setTimeout(r, (options.backoffMs ?? 2000) * attempt));
      continue;
    }
    return {
      queueUrl: info.queueUrl,
      visibilityTimeoutSec: visibilityTimeout(options.queueName, info.visibilityTimeout),
      maxReceiveCount: maxReceiveCountOf(info.redrivePolicy),
    };
  }
}

async function readQueue(options: QueueCheckOptions): Promise<{
  queueUrl: string;
  visibilityTimeout: string | undefined;
  redrivePolicy: string | undefined;
}> {
  const { QueueUrl } = await options.sqs.send(
    new GetQueueUrlCommand({ QueueName: options.queueName }),
  );
  if (!QueueUrl) throw new FatalError(`queue ${options.queueName} has no URL`);
  const attrs = await options.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl,
      AttributeNames: ["VisibilityTimeout", "RedrivePolicy"],
    }),
  );
  return {
    queueUrl: QueueUrl,
    visibilityTimeout: attrs.Attributes?.VisibilityTimeout,
    redrivePolicy: attrs.Attributes?.RedrivePolicy,
  };
}

/** The `maxReceiveCount` of a RedrivePolicy document; `undefined` when there is none to read. */
export function maxReceiveCountOf(policy: string | undefined): number | undefined {
  if (policy === undefined) return undefined;
  try {
    const n = Number((JSON.parse(policy) as { maxReceiveCount?: unknown }).maxReceiveCount);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function visibilityTimeout(queueName: string, value: string | undefined): number {
  const seconds = Number(value);
  if (
    value === undefined ||
    value.trim() === "" ||
    !Number.isInteger(seconds) ||
    seconds < 1 ||
    seconds > MAX_VISIBILITY_TIMEOUT_SEC
  ) {
    throw new FatalError(
      `queue ${queueName}: VisibilityTimeout is ${value === undefined ? "missing" : JSON.stringify(value)}; expected an integer from 1 to ${MAX_VISIBILITY_TIMEOUT_SEC} seconds`,
    );
  }
  return seconds;
}

/** True when the queue has no visible, in-flight or delayed message (batch mode's idle test). */
export async function queueIsEmpty(sqs: SqsSend, queueUrl: string): Promise<boolean> {
  const c = await queueCounts(sqs, queueUrl);
  return c.waiting + c.inFlight + c.delayed === 0;
}
