import { Duration } from "aws-cdk-lib";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

/** Props of {@link JobQueue}. */
export interface JobQueueProps {
  /** `table_queue_name`; the DLQ is `<name>-DLQ` (the names the worker and jobsender look up). */
  readonly queueName: string;
  /**
   * Must leave room for the worker's heartbeat, which extends visibility every third of it.
   * @default Duration.seconds(300)
   */
  readonly visibilityTimeout?: Duration;
  /** Receives before the DLQ. @default 24 */
  readonly maxReceiveCount?: number;
  /**
   * How long a job waits before SQS drops it (SQS's maximum: a dropped job is never copied, and
   * nothing reports it). The monitoring alarms on the oldest job's age well before this.
   * @default Duration.days(14)
   */
  readonly retentionPeriod?: Duration;
}

/** The job queue and its dead-letter queue: SQS-managed encryption, TLS only. */
export class JobQueue extends Construct {
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: JobQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, "DeadLetterQueue", {
      queueName: `${props.queueName}-DLQ`,
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new sqs.Queue(this, "Queue", {
      queueName: props.queueName,
      visibilityTimeout: props.visibilityTimeout ?? Duration.seconds(300),
      retentionPeriod: props.retentionPeriod ?? Duration.days(14),
      receiveMessageWaitTime: Duration.seconds(20),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: {
        queue: this.deadLetterQueue,
        maxReceiveCount: props.maxReceiveCount ?? 24,
      },
    });
  }
}
