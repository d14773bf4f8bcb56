import { Duration } from "aws-cdk-lib";
import type * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { AppFunction, type AppFunctionProps } from "./app-function.js";
import { newQueueDrainedAlarm } from "./queue-drained.js";

/** Props of {@link WorkerFunction}. */
export interface WorkerFunctionProps extends Omit<AppFunctionProps, "program" | "description"> {
  /** The job queue (its DLQ redrive stays as it is: the function returns failed messages). */
  readonly queue: sqs.IQueue;
  /** Messages per invocation. */
  readonly batchSize: number;
  /** Seconds the event source may wait to fill a batch (0: none). */
  readonly maxBatchingWindowSeconds: number;
  /**
   * Minutes of an empty queue before the "batch finished" alarm, made here when no fleet makes
   * it (`workerMode` lambda). @default undefined (no alarm)
   */
  readonly drainedIdleMinutes?: number | undefined;
}

/**
 * The Lambda worker (`worker-lambda.mjs`, packages/worker/src/lambda/handler.ts) on the job
 * queue: an SQS event source mapping with partial batch responses (ReportBatchItemFailures: a
 * message the handler did not finish returns to the queue alone, and resumes later from the
 * parts already uploaded) and a maximum concurrency equal to the reserved concurrency, so the
 * poller never hands out a batch the function would be throttled on.
 */
export class WorkerFunction extends Construct {
  public readonly app: AppFunction;
  /** The SQS event source mapping. */
  public readonly eventSource: lambda.EventSourceMapping;
  /** "Batch finished", when {@link WorkerFunctionProps.drainedIdleMinutes} is given. */
  public readonly drainedAlarm: cloudwatch.Alarm | undefined;

  constructor(scope: Construct, id: string, props: WorkerFunctionProps) {
    super(scope, id);
    this.app = new AppFunction(this, "App", {
      ...props,
      program: "worker-lambda",
      description: "s3-migration worker: copies the job queue's messages (SQS event source)",
    });
    this.eventSource = this.app.fn.addEventSourceMapping("JobQueue", {
      eventSourceArn: props.queue.queueArn,
      batchSize: props.batchSize,
      maxBatchingWindow:
        props.maxBatchingWindowSeconds > 0
          ? Duration.seconds(props.maxBatchingWindowSeconds)
          : undefined,
      reportBatchItemFailures: true,
      maxConcurrency: props.reservedConcurrency,
    });
    props.queue.grantConsumeMessages(this.app.role);
    this.app.logsReady(this.eventSource);
    const idle = props.drainedIdleMinutes;
    this.drainedAlarm =
      idle === undefined
        ? undefined
        : newQueueDrainedAlarm(
            this,
            props.queue,
            idle,
            `Batch finished: no message waiting or in flight for ${idle} minutes (the worker function needs no scale-in).`,
          );
  }
}
