import { CfnOutput } from "aws-cdk-lib";
import type { MigrationStack } from "./migration-stack.js";

/**
 * The stack outputs operators and scripts read (queue URLs, names of the table, groups,
 * functions, logs); an output exists only when its resource does (e.g. no `WorkerGroupName`
 * with `workerMode` lambda).
 */
export function addStackOutputs(stack: MigrationStack): void {
  const out = (id: string, value: string | undefined, description: string) => {
    if (value !== undefined) new CfnOutput(stack, id, { value, description });
  };
  out("QueueUrl", stack.jobQueue.queue.queueUrl, "Job queue");
  out("DeadLetterQueueUrl", stack.jobQueue.deadLetterQueue.queueUrl, "Dead-letter queue");
  out("StatusTableName", stack.stateTable.table.tableName, "Status table");
  out(
    "BucketMapParameterName",
    stack.parameters.bucketMap.parameterName,
    "Bucket map (SSM String)",
  );
  out("DeployBucketName", stack.codeDelivery?.bucket.bucketName, "Bundle and config (app/)");
  out("WorkerGroupName", stack.workers?.group.autoScalingGroupName, "Worker Auto Scaling group");
  out("WorkerLogGroupName", stack.workers?.logGroup.logGroupName, "Worker logs");
  const worker = stack.workerFunction?.app;
  out("WorkerFunctionName", worker?.fn.functionName, "Worker Lambda function");
  out("WorkerFunctionLogGroupName", worker?.logGroup.logGroupName, "Worker function logs");
  out("DashboardName", stack.monitoring.dashboard.dashboardName, "CloudWatch dashboard");
  out("NotificationTopicArn", stack.notifications.topic.topicArn, "Notifications (SNS)");
  out(
    "JobsenderGroupName",
    stack.jobsender?.group.autoScalingGroupName,
    "Jobsender Auto Scaling group",
  );
  out("JobsenderLogGroupName", stack.jobsender?.logGroup.logGroupName, "Jobsender logs");
  const jobsender = stack.jobsenderFunction?.app;
  out("JobsenderFunctionName", jobsender?.fn.functionName, "Jobsender Lambda function");
  out("JobsenderFunctionLogGroupName", jobsender?.logGroup.logGroupName, "Jobsender function logs");
  out(
    "NewObjectsBucketName",
    stack.newObjects?.bucket.bucketName,
    "Objects written here are copied",
  );
}
