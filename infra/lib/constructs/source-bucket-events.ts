import { Duration } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as s3 from "aws-cdk-lib/aws-s3";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { ResolvedSettings } from "../migration-settings.js";
import {
  objectCreatedPatterns,
  type SourceEventScope,
  sourceEventScopes,
} from "../source-event-pattern.js";

/** Props of {@link SourceBucketEvents}. */
export interface SourceBucketEventsProps {
  /** The source buckets and prefixes (see `sourceEventScopes`). */
  readonly scopes: readonly SourceEventScope[];
  /** The job queue: the worker reads EventBridge's "Object Created" events from it. */
  readonly queue: sqs.IQueue;
  /**
   * Where EventBridge puts an event it could not deliver after its retries: the job queue's DLQ,
   * whose alarm reports it and whose redrive moves it to the job queue (the body is the event).
   */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * The bucket map's existing source buckets, subscribed through EventBridge (`sourceBucketEvents`
 * eventbridge): S3 sends each bucket's events to the default bus, a rule picks "Object Created"
 * under the mapped prefixes, and its target puts the whole event on the job queue.
 *
 * EventBridge notifications are turned on with CDK's `Custom::S3BucketNotifications` handler for
 * imported buckets (`Managed: false`), which reads the bucket's notification configuration and
 * writes it back with `EventBridgeConfiguration` added: the bucket's queue, topic and Lambda
 * notifications are kept. On delete it writes back everything but its own notifications (here
 * none) and keeps `EventBridgeConfiguration`, which it cannot tell from one set before: the
 * bucket stays EventBridge-enabled (docs/DEPLOY.md). Its handler may read and write the
 * notification configuration of these buckets only. S3 validates every destination written back:
 * a bucket with a broken one (a deleted queue) fails the deploy and is left as it was.
 *
 * The job queue is SSE-SQS (no customer key), so EventBridge needs only the queue policy that
 * the SQS target adds: `sqs:SendMessage` for `events.amazonaws.com` on `aws:SourceArn` = the
 * rule (a customer-key queue would also need the key's policy to let EventBridge use it).
 */
export class SourceBucketEvents extends Construct {
  /** The source buckets, each once. */
  public readonly buckets: readonly s3.IBucket[];
  /** Usually one; more only when the pattern exceeds EventBridge's size quota. */
  public readonly rules: readonly events.Rule[];

  constructor(scope: Construct, id: string, props: SourceBucketEventsProps) {
    super(scope, id);
    this.buckets = props.scopes.map(({ bucket }) => {
      const imported = s3.Bucket.fromBucketName(this, `Source-${bucket}`, bucket);
      imported.enableEventBridgeNotification();
      return imported;
    });
    this.rules = objectCreatedPatterns(props.scopes).map((eventPattern, i) => {
      const rule = new events.Rule(this, i === 0 ? "ObjectCreated" : `ObjectCreated${i + 1}`, {
        description:
          "S3 Object Created events of the bucket map's source buckets and prefixes, to the job queue",
        eventPattern,
      });
      rule.addTarget(
        new targets.SqsQueue(props.queue, {
          deadLetterQueue: props.deadLetterQueue,
          // EventBridge's own limits, written out: a day of retries, then the DLQ.
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      );
      return rule;
    });
    this.#notifyLast(props);
  }

  /**
   * Each bucket's events start once the rules and both queues with their policies (children of
   * the queue constructs) are in place: an S3 event no rule matches is gone, and EventBridge does
   * not retry a delivery its permissions deny.
   */
  #notifyLast(props: SourceBucketEventsProps): void {
    for (const bucket of this.buckets) {
      bucket.node
        .findChild("Notifications")
        .node.addDependency(...this.rules, props.queue, props.deadLetterQueue);
    }
  }
}

/** The subscription `sourceBucketEvents` asks for, or undefined with `none`. */
export function newSourceBucketEvents(
  scope: Construct,
  s: Pick<ResolvedSettings, "sourceBucketEvents" | "bucketMap">,
  jobQueue: { readonly queue: sqs.IQueue; readonly deadLetterQueue: sqs.IQueue },
): SourceBucketEvents | undefined {
  if (s.sourceBucketEvents !== "eventbridge") return undefined;
  return new SourceBucketEvents(scope, "SourceEvents", {
    scopes: sourceEventScopes(s.bucketMap),
    queue: jobQueue.queue,
    deadLetterQueue: jobQueue.deadLetterQueue,
  });
}
