import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import {
  AGENT_NAMESPACE,
  hostDimensions,
  PROCESS_COUNT_MEASUREMENT,
} from "./host/cloudwatch-agent.js";

/**
 * Namespace of the worker's EMF lines (packages/worker/src/service/throughput-metrics.ts; no
 * dimensions, one line per minute). A test keeps the two in step.
 */
export const WORKER_METRICS_NAMESPACE = "S3Migration";
/** Namespace of the metric filters on the application log groups. */
export const LOG_METRICS_NAMESPACE = "S3Migration/Logs";

/**
 * The counters of the worker's EMF line (its `MetricCounts`; a test keeps the two in step).
 * `EventsDropped`: S3 event records that no bucket-map entry takes and no `Des_bucket_default`
 * catches, dropped with a `warn` line.
 */
export const WORKER_METRIC_NAMES = [
  "BytesCopied",
  "ObjectsCopied",
  "ObjectsFailed",
  "RetryableErrors",
  "EventsDropped",
] as const;
export type WorkerMetricName = (typeof WORKER_METRIC_NAMES)[number];

/** A worker EMF counter, summed per `period`. */
export function workerMetric(
  name: WorkerMetricName,
  period = Duration.minutes(1),
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: WORKER_METRICS_NAMESPACE,
    metricName: name,
    statistic: "Sum",
    period,
  });
}

/** Metric name of the `error`/`warn` line counter of one program's log group. */
export function logLineMetricName(role: "worker" | "jobsender", level: "error" | "warn"): string {
  const who = role === "worker" ? "Worker" : "Jobsender";
  return `${who}${level === "error" ? "Error" : "Warning"}Lines`;
}

/** The `error`/`warn` line counter of one program, summed per `period`. */
export function logLineMetric(
  role: "worker" | "jobsender",
  level: "error" | "warn",
  period = Duration.minutes(5),
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: LOG_METRICS_NAMESPACE,
    metricName: logLineMetricName(role, level),
    statistic: "Sum",
    period,
  });
}

/** The agent's count of a program's processes (procstat `pid_count`; see cloudwatch-agent.ts). */
export const PROCESS_COUNT_METRIC = `procstat_lookup_${PROCESS_COUNT_MEASUREMENT}` as const;

/** A CloudWatch agent host metric of one role (all its instances share the series). */
export function hostMetric(
  stackName: string,
  role: "worker" | "jobsender",
  name:
    | "mem_used_percent"
    | "disk_used_percent"
    | "netstat_tcp_established"
    | "netstat_tcp_time_wait"
    | typeof PROCESS_COUNT_METRIC,
  statistic: string,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: AGENT_NAMESPACE,
    metricName: name,
    dimensionsMap: hostDimensions(stackName, role),
    statistic,
    period: Duration.minutes(1),
  });
}

/** An EC2 metric aggregated over an Auto Scaling group (basic monitoring: 5-minute data). */
export function groupEc2Metric(
  groupName: string,
  name: "CPUUtilization" | "NetworkOut",
  statistic: string,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: "AWS/EC2",
    metricName: name,
    dimensionsMap: { AutoScalingGroupName: groupName },
    statistic,
    period: Duration.minutes(5),
  });
}

/** An Auto Scaling group metric (group metrics collection is on). */
export function groupMetric(groupName: string, name: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: "AWS/AutoScaling",
    metricName: name,
    dimensionsMap: { AutoScalingGroupName: groupName },
    statistic: "Maximum",
    period: Duration.minutes(1),
  });
}

/**
 * 1 for a minute in which the worker group had instances in service and not one worker process
 * ran, else 0. The worker writes no metric while idle, so the signal is the agent's process
 * count, sent every minute by every running agent (0 when no worker runs). `FILL(…, 0)` turns a
 * minute without any count (no agent running, or none installed) into 0 workers; the group's
 * in-service count comes every minute from its group metrics.
 */
export function fleetWithoutWorkers(
  stackName: string,
  groupName: string,
): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: "IF(FILL(inService, 0) > 0 AND FILL(workers, 0) == 0, 1, 0)",
    usingMetrics: {
      inService: groupMetric(groupName, "GroupInServiceInstances"),
      workers: hostMetric(stackName, "worker", PROCESS_COUNT_METRIC, "Maximum"),
    },
    period: Duration.minutes(1),
    label: "Instances in service, no worker process",
  });
}
