import { CfnOutput } from "aws-cdk-lib";
import type { MigrationStack } from "./migration-stack.js";

/** The stack outputs operators and scripts read (queue URLs, names of the table, groups, logs). */
export function addStackOutputs(stack: MigrationStack): void {
  const out = (id: string, value: string, description: string) =>
    new CfnOutput(stack, id, { value, description });
  out("QueueUrl", stack.jobQueue.queue.queueUrl, "Job queue");
  out("DeadLetterQueueUrl", stack.jobQueue.deadLetterQueue.queueUrl, "Dead-letter queue");
  out("StatusTableName", stack.stateTable.table.tableName, "Status table");
  out(
    "BucketMapParameterName",
    stack.parameters.bucketMap.parameterName,
    "Bucket map (SSM String)",
  );
  out("DeployBucketName", stack.codeDelivery.bucket.bucketName, "Bundle and config (app/)");
  out("WorkerGroupName", stack.workers.group.autoScalingGroupName, "Worker Auto Scaling group");
  out("WorkerLogGroupName", stack.workers.logGroup.logGroupName, "Worker logs");
  out("DashboardName", stack.monitoring.dashboard.dashboardName, "CloudWatch dashboard");
  out("NotificationTopicArn", stack.notifications.topic.topicArn, "Notifications (SNS)");
  if (stack.jobsender !== undefined) {
    out(
      "JobsenderGroupName",
      stack.jobsender.group.autoScalingGroupName,
      "Jobsender Auto Scaling group",
    );
    out("JobsenderLogGroupName", stack.jobsender.logGroup.logGroupName, "Jobsender logs");
  }
  if (stack.newObjects !== undefined) {
    out(
      "NewObjectsBucketName",
      stack.newObjects.bucket.bucketName,
      "Objects written here are copied",
    );
  }
}
