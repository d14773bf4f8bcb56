import { Duration, Stack } from "aws-cdk-lib";
import type * as autoscaling from "aws-cdk-lib/aws-autoscaling";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type { Construct } from "constructs";
import {
  fleetWithoutWorkers,
  groupEc2Metric,
  groupMetric,
  hostMetric,
  PROCESS_COUNT_METRIC,
} from "../metrics.js";
import { graph } from "./dashboard-graph.js";

/**
 * Failed boots: instances in service, no worker process (or no agent) on any of them, in 80 %
 * of the last `minutes` minutes. Made in `scope` (the monitoring) with the id `NoWorkerRunning`.
 */
export function newNoWorkerAlarm(
  scope: Construct,
  workerGroup: autoscaling.IAutoScalingGroup,
  minutes = 15,
): cloudwatch.Alarm {
  const breaching = Math.ceil(minutes * 0.8);
  return new cloudwatch.Alarm(scope, "NoWorkerRunning", {
    alarmDescription: `Worker instances in service but no worker process running on any (or no host metrics) in ${breaching} of the last ${minutes} minutes: the hosts fail to boot or start the worker. Boot log: stream <instance-id>/boot of the worker log group. See docs/DEPLOY.md.`,
    metric: fleetWithoutWorkers(Stack.of(scope).stackName, workerGroup.autoScalingGroupName),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: minutes,
    datapointsToAlarm: breaching,
    // No data at all means no group metrics either: no evidence of an instance in service.
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

/** What the worker fleet does: capacity, CPU, memory and disk, connections, network. */
export function fleetWidgets(stackName: string, group: string): cloudwatch.IWidget[] {
  const networkOut = groupEc2Metric(group, "NetworkOut", "Sum");
  return [
    graph("Worker fleet capacity", [
      groupMetric(group, "GroupInServiceInstances"),
      groupMetric(group, "GroupDesiredCapacity"),
      groupMetric(group, "GroupPendingInstances"),
      hostMetric(stackName, "worker", PROCESS_COUNT_METRIC, "Sum").with({
        label: "Worker processes running",
      }),
    ]),
    graph("Worker CPU %", [
      groupEc2Metric(group, "CPUUtilization", "Average"),
      groupEc2Metric(group, "CPUUtilization", "Maximum"),
    ]),
    graph("Worker memory and root disk used %", [
      hostMetric(stackName, "worker", "mem_used_percent", "Maximum"),
      hostMetric(stackName, "worker", "disk_used_percent", "Maximum"),
    ]),
    graph("Worker TCP connections (fleet total)", [
      hostMetric(stackName, "worker", "netstat_tcp_established", "Sum"),
      hostMetric(stackName, "worker", "netstat_tcp_time_wait", "Sum"),
    ]),
    graph("Worker network out (bytes/s)", [
      new cloudwatch.MathExpression({
        expression: "out / PERIOD(out)",
        usingMetrics: { out: networkOut },
        label: "NetworkOut bytes/s",
        period: Duration.minutes(5),
      }),
    ]),
  ];
}
