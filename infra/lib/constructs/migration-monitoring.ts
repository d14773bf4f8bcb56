import { Duration, Stack } from "aws-cdk-lib";
import type * as autoscaling from "aws-cdk-lib/aws-autoscaling";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cwActions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as sns from "aws-cdk-lib/aws-sns";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import {
  LOG_METRICS_NAMESPACE,
  logLineMetric,
  logLineMetricName,
  workerMetric,
} from "../metrics.js";
import { graph } from "./dashboard-graph.js";
import { fleetWidgets, newNoWorkerAlarm } from "./fleet-monitoring.js";
import { functionWidgets, newFunctionAlarms, type WatchedFunction } from "./function-monitoring.js";

/** One program's logs, for the `error`/`warn` metric filters. */
export interface ProgramLogs {
  readonly role: "worker" | "jobsender";
  readonly logGroup: logs.ILogGroup;
  /** Construct id prefix of its filters (a role with a host and a function). @default role */
  readonly id?: string;
}

/** Props of {@link MigrationMonitoring}. */
export interface MigrationMonitoringProps {
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  /** The worker fleet. @default none (`workerMode` lambda): no fleet widgets, no no-worker alarm */
  readonly workerGroup?: autoscaling.IAutoScalingGroup;
  /** The Lambda functions: their alarms and widgets. @default [] */
  readonly functions?: readonly WatchedFunction[];
  /** The log groups to count `error`/`warn` lines in (worker, and jobsender if deployed). */
  readonly programs: readonly ProgramLogs[];
  /** The "queue drained" alarm (the fleet's, or the worker function's): its transition to ALARM e-mails "batch finished". */
  readonly drainedAlarm: cloudwatch.Alarm;
  readonly topic: sns.ITopic;
  /** Worker `error` lines per 5 minutes that raise the alarm. @default 10 */
  readonly workerErrorThreshold?: number;
  /**
   * The job queue's retention: the oldest-job alarm fires when a job has waited three quarters
   * of it (a quarter left to act before SQS drops the job unreported).
   * @default Duration.days(14)
   */
  readonly queueRetention?: Duration;
  /**
   * Minutes a worker instance may be in service with no worker process (boot, install, fetch)
   * before the no-worker alarm fires (on 80 % of them breaching). @default 15
   */
  readonly workerStartMinutes?: number;
  /** @default the stack name */
  readonly dashboardName?: string;
}

/**
 * Metric filters, alarms and the dashboard. Alarm actions fire on a state transition only, so
 * each alarm sends one e-mail when it starts (not one per period).
 */
export class MigrationMonitoring extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  public readonly workerErrorAlarm: cloudwatch.Alarm;
  public readonly oldestJobAlarm: cloudwatch.Alarm;
  /** Undefined without a fleet. */
  public readonly noWorkerAlarm: cloudwatch.Alarm | undefined;
  /** The functions' errors, throttles, duration and concurrency alarms. */
  public readonly functionAlarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: MigrationMonitoringProps) {
    super(scope, id);
    const notify = new cwActions.SnsAction(props.topic);
    this.#logLineFilters(props.programs);

    this.deadLetterAlarm = new cloudwatch.Alarm(this, "DeadLetterNotEmpty", {
      alarmDescription:
        "Messages in the dead-letter queue: jobs that failed maxReceiveCount times. See docs/DEPLOY.md.",
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: "Maximum",
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const threshold = props.workerErrorThreshold ?? 10;
    this.workerErrorAlarm = new cloudwatch.Alarm(this, "WorkerErrors", {
      alarmDescription: `${threshold} or more worker error lines (failed objects, fatal errors) in 5 minutes.`,
      metric: logLineMetric("worker", "error"),
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.oldestJobAlarm = oldestJobAlarm(this, props.queue, props.queueRetention);
    this.noWorkerAlarm =
      props.workerGroup && newNoWorkerAlarm(this, props.workerGroup, props.workerStartMinutes);
    this.functionAlarms = (props.functions ?? []).flatMap((f) => newFunctionAlarms(this, f));
    for (const alarm of this.#alarms(props)) alarm.addAlarmAction(notify);

    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      dashboardName: props.dashboardName ?? Stack.of(this).stackName,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(...this.#widgets(props));
  }

  /** `error`/`warn` line counters, one metric per role whatever the number of log groups. */
  #logLineFilters(programs: readonly ProgramLogs[]): void {
    for (const p of programs) {
      for (const level of ["error", "warn"] as const) {
        new logs.MetricFilter(this, `${p.id ?? p.role}-${level}`, {
          logGroup: p.logGroup,
          filterPattern: logs.FilterPattern.stringValue("$.level", "=", level),
          metricNamespace: LOG_METRICS_NAMESPACE,
          metricName: logLineMetricName(p.role, level),
          metricValue: "1",
          defaultValue: 0,
        });
      }
    }
  }

  #widgets(props: MigrationMonitoringProps): cloudwatch.IWidget[] {
    const group = props.workerGroup?.autoScalingGroupName;
    return [
      ...workWidgets(props),
      ...(group === undefined ? [] : fleetWidgets(Stack.of(this).stackName, group)),
      ...(props.functions ?? []).flatMap(functionWidgets),
      new cloudwatch.AlarmStatusWidget({
        title: "Alarms",
        alarms: this.#alarms(props),
        width: 12,
        height: 6,
      }),
    ];
  }

  /** Every alarm that e-mails, as the dashboard's alarm widget shows them. */
  #alarms(props: MigrationMonitoringProps): cloudwatch.Alarm[] {
    return [
      props.drainedAlarm,
      this.deadLetterAlarm,
      this.workerErrorAlarm,
      this.oldestJobAlarm,
      ...(this.noWorkerAlarm ? [this.noWorkerAlarm] : []),
      ...this.functionAlarms,
    ];
  }
}

/**
 * Jobs about to expire: the oldest message of the job queue has waited three quarters of the
 * retention. Without it an expired job vanishes and "batch finished" still reports success.
 */
function oldestJobAlarm(
  scope: Construct,
  queue: sqs.IQueue,
  retention = Duration.days(14),
): cloudwatch.Alarm {
  const threshold = Math.floor(retention.toSeconds() * 0.75);
  return new cloudwatch.Alarm(scope, "OldestJobAge", {
    alarmDescription: `A job has waited ${Duration.seconds(threshold).toHumanString()} in the queue, three quarters of its retention: jobs will expire uncopied. See docs/DEPLOY.md.`,
    metric: queue.metricApproximateAgeOfOldestMessage({
      period: Duration.minutes(5),
      statistic: "Maximum",
    }),
    threshold,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

/** What the migration does: bytes and objects copied, events dropped, log errors, the queues. */
function workWidgets(props: MigrationMonitoringProps): cloudwatch.IWidget[] {
  const minute = Duration.minutes(1);
  return [
    graph("Bytes copied per minute", [workerMetric("BytesCopied")], {
      leftYAxis: { label: "bytes", showUnits: false },
    }),
    graph("Objects per minute", [
      workerMetric("ObjectsCopied"),
      workerMetric("ObjectsFailed"),
      workerMetric("RetryableErrors"),
      // S3 events no bucket-map entry (and no default destination) takes: not copied.
      workerMetric("EventsDropped"),
    ]),
    graph(
      "Log errors and warnings (lines per 5 min)",
      [...new Set(props.programs.map((p) => p.role))].flatMap((role) => [
        logLineMetric(role, "error"),
        logLineMetric(role, "warn"),
      ]),
    ),
    graph("Queue: waiting, running, dead-letter", [
      props.queue.metricApproximateNumberOfMessagesVisible({
        period: minute,
        statistic: "Maximum",
        label: "Waiting (visible)",
      }),
      props.queue.metricApproximateNumberOfMessagesNotVisible({
        period: minute,
        statistic: "Maximum",
        label: "Running (in flight)",
      }),
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: minute,
        statistic: "Maximum",
        label: "Dead-letter queue",
      }),
    ]),
  ];
}
