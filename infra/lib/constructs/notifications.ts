import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";

/** Props of {@link Notifications}. */
export interface NotificationsProps {
  /** Addresses to subscribe (each confirms by e-mail once). @default [] */
  readonly emails?: readonly string[];
}

/**
 * The topic alarms publish to: batch finished, DLQ not empty, worker errors. TLS-only publishing.
 * Not KMS-encrypted: CloudWatch alarms cannot publish to a topic under the AWS-managed SNS key,
 * and the messages carry only alarm names and metric values.
 */
export class Notifications extends Construct {
  public readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: NotificationsProps = {}) {
    super(scope, id);
    this.topic = new sns.Topic(this, "Topic", {
      displayName: "s3-migration notifications",
      enforceSSL: true,
    });
    for (const email of props.emails ?? []) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
  }
}
