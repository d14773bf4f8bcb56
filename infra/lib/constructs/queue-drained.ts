import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";

const ONE_MINUTE = Duration.minutes(1);

/**
 * "Batch finished": in ALARM once no message of `queue` has been waiting or in flight for
 * `idleMinutes` one-minute periods. The fleet also scales in on it; with a worker function
 * alone it only e-mails. Made in `scope` with the id `QueueDrained`.
 */
export function newQueueDrainedAlarm(
  scope: Construct,
  queue: sqs.IQueue,
  idleMinutes: number,
  alarmDescription: string,
): cloudwatch.Alarm {
  const waitingOrRunning = new cloudwatch.MathExpression({
    expression: "visible + inFlight",
    usingMetrics: {
      visible: queue.metricApproximateNumberOfMessagesVisible({
        period: ONE_MINUTE,
        statistic: "Maximum",
      }),
      inFlight: queue.metricApproximateNumberOfMessagesNotVisible({
        period: ONE_MINUTE,
        statistic: "Maximum",
      }),
    },
    period: ONE_MINUTE,
    label: "Messages waiting or in flight",
  });
  return new cloudwatch.Alarm(scope, "QueueDrained", {
    alarmDescription,
    metric: waitingOrRunning,
    threshold: 0,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: idleMinutes,
    datapointsToAlarm: idleMinutes,
    // SQS stops sending metrics for a queue idle for hours: keep the state, no repeat e-mail.
    treatMissingData: cloudwatch.TreatMissingData.IGNORE,
  });
}
