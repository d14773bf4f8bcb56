import { Aws } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";

/** Props of {@link Notifications}. */
export interface NotificationsProps {
  /** Addresses to subscribe (each confirms by e-mail once). @default [] */
  readonly emails?: readonly string[];
}

/**
 * The topic alarms publish to: batch finished, DLQ not empty, worker errors, oldest job. TLS-only
 * publishing. Not KMS-encrypted: CloudWatch alarms cannot publish to a topic under the
 * AWS-managed SNS key, and the messages carry only alarm names and metric values.
 *
 * The TLS-only policy replaces SNS's default topic policy, which is what let CloudWatch alarms
 * publish: without the Allow below every alarm e-mail fails silently (visible only in the alarm
 * history). It admits this account's alarms in this region only (`aws:SourceAccount` and
 * `aws:SourceArn`, against the confused deputy), with the partition taken from the deployment.
 */
export class Notifications extends Construct {
  public readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: NotificationsProps = {}) {
    super(scope, id);
    this.topic = new sns.Topic(this, "Topic", {
      displayName: "s3-migration notifications",
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "AllowCloudWatchAlarmsOfThisAccount",
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID },
          ArnLike: {
            "aws:SourceArn": `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*`,
          },
        },
      }),
    );
    for (const email of props.emails ?? []) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
  }
}
