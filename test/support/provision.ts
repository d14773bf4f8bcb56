import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
} from "@aws-sdk/client-dynamodb";
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { destroyClients, STATUS_TABLE } from "@s3-migration/common";
import { localClients } from "./local-stack.js";

/** Queue settings the CDK stack sets in AWS; locally `provision` sets them. */
export interface QueueSettings {
  /** @default 60 */
  readonly visibilityTimeoutSec?: number;
  /** Receives before a message moves to the DLQ. @default 5 */
  readonly maxReceiveCount?: number;
}

/** Creates (or finds) the job queue and its dead-letter queue; returns both URLs. */
export async function ensureQueues(
  sqs: Pick<SQSClient, "send">,
  queueName: string,
  dlqName: string,
  settings: QueueSettings = {},
): Promise<{ queueUrl: string; dlqUrl: string }> {
  const dlq = await sqs.send(
    new CreateQueueCommand({
      QueueName: dlqName,
      Attributes: { MessageRetentionPeriod: "1209600" },
    }),
  );
  const dlqUrl = dlq.QueueUrl ?? "";
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }),
  );
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: queueName,
      Attributes: {
        VisibilityTimeout: String(settings.visibilityTimeoutSec ?? 60),
        ReceiveMessageWaitTimeSeconds: "20",
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: attrs.Attributes?.QueueArn,
          maxReceiveCount: settings.maxReceiveCount ?? 5,
        }),
      },
    }),
  );
  return { queueUrl: queue.QueueUrl ?? "", dlqUrl };
}

/** Creates (or finds) the status table with the project's key schema, on demand billing. */
export async function ensureStatusTable(
  dynamodb: Pick<DynamoDBClient, "send">,
  tableName: string,
): Promise<void> {
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: STATUS_TABLE.partitionKey, AttributeType: "S" }],
        KeySchema: [{ AttributeName: STATUS_TABLE.partitionKey, KeyType: "HASH" }],
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  for (let i = 0; i < 50; i++) {
    const out = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    if (out.Table?.TableStatus === "ACTIVE") return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}

/**
 * Creates the queue, DLQ and status table named in config/local.ini on the running local
 * stack (in AWS the CDK stack creates them). Safe to call again.
 */
export async function provisionLocalStack(): Promise<string> {
  const { config, clients } = await localClients();
  try {
    const { queueUrl, dlqUrl } = await ensureQueues(clients.sqs, config.queueName, config.dlqName);
    await ensureStatusTable(clients.dynamodb, config.tableName);
    return `queue ${queueUrl}, DLQ ${dlqUrl}, table ${config.tableName} (from config/local.ini)`;
  } finally {
    destroyClients(clients);
  }
}
