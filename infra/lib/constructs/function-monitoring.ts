import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type { Construct } from "constructs";
import { graph } from "./dashboard-graph.js";

/** A function to watch: what its alarms and widgets are measured against. */
export interface WatchedFunction {
  /** `Worker` or `Jobsender`: the alarms' construct ids and the widgets' titles start with it. */
  readonly label: "Worker" | "Jobsender";
  readonly fn: lambda.IFunction;
  readonly timeout: Duration;
  /** Its reserved concurrency: the concurrency alarm's limit. Undefined: no such alarm. */
  readonly concurrencyLimit?: number;
  /**
   * Five-minute periods the p99 duration must stay near the timeout before the alarm. The
   * worker stops at its deadline on purpose (a large object resumes in the next invocation), so
   * one period near the timeout is normal there; the jobsender is alarmed on the first.
   */
  readonly durationPeriods: number;
}

/** Share of the timeout (p99 duration) and of the reserved concurrency that raise the alarms. */
export const NEAR_LIMIT = 0.9;

const FIVE_MINUTES = Duration.minutes(5);

/** The four alarms of a function (three without a concurrency limit), made in `scope`. */
export function newFunctionAlarms(scope: Construct, w: WatchedFunction): cloudwatch.Alarm[] {
  const name = `${w.label}Function`;
  const alarm = (id: string, props: Omit<cloudwatch.AlarmProps, "comparisonOperator">) =>
    new cloudwatch.Alarm(scope, `${name}${id}`, {
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...props,
    });
  const timeoutMs = w.timeout.toMilliseconds();
  const alarms = [
    alarm("Errors", {
      alarmDescription: `${w.label} function invocations failed (the handler threw or hit its timeout) in 5 minutes; a message it returned as a partial batch failure is not one. See its log group.`,
      metric: w.fn.metricErrors({ period: FIVE_MINUTES, statistic: "Sum" }),
      threshold: 1,
      evaluationPeriods: 1,
    }),
    alarm("Throttles", {
      alarmDescription: `${w.label} function invocations throttled in 5 minutes: its reserved concurrency or the account's Lambda concurrency quota is exhausted.`,
      metric: w.fn.metricThrottles({ period: FIVE_MINUTES, statistic: "Sum" }),
      threshold: 1,
      evaluationPeriods: 1,
    }),
    alarm("DurationNearTimeout", {
      alarmDescription: `${w.label} function p99 duration at ${NEAR_LIMIT * 100} % or more of its ${w.timeout.toSeconds()} s timeout for ${w.durationPeriods * 5} minutes: work does not fit one invocation (the worker resumes large objects across invocations, each counting toward maxReceiveCount: consider the fleet or hybrid mode).`,
      metric: w.fn.metricDuration({ period: FIVE_MINUTES, statistic: "p99" }),
      threshold: Math.floor(timeoutMs * NEAR_LIMIT),
      evaluationPeriods: w.durationPeriods,
    }),
  ];
  if (w.concurrencyLimit !== undefined)
    alarms.push(
      alarm("ConcurrencyNearLimit", {
        alarmDescription: `${w.label} function at ${NEAR_LIMIT * 100} % or more of its reserved concurrency (${w.concurrencyLimit}) for 15 minutes: the backlog needs more; raise workerLambdaReservedConcurrency (within the account's quota) or use hybrid mode.`,
        metric: concurrencyMetric(w.fn),
        threshold: Math.ceil(w.concurrencyLimit * NEAR_LIMIT),
        evaluationPeriods: 3,
      }),
    );
  return alarms;
}

/** The function's concurrent executions, 5-minute maximum. */
function concurrencyMetric(fn: lambda.IFunction, period = FIVE_MINUTES): cloudwatch.Metric {
  return fn.metric("ConcurrentExecutions", { period, statistic: "Maximum" });
}

/** The function's dashboard graphs: invocations and failures, duration against the timeout, concurrency. */
export function functionWidgets(w: WatchedFunction): cloudwatch.IWidget[] {
  const minute = Duration.minutes(1);
  const widgets: cloudwatch.IWidget[] = [
    graph(`${w.label} function: invocations, errors, throttles`, [
      w.fn.metricInvocations({ period: minute, statistic: "Sum" }),
      w.fn.metricErrors({ period: minute, statistic: "Sum" }),
      w.fn.metricThrottles({ period: minute, statistic: "Sum" }),
    ]),
    graph(
      `${w.label} function: duration (ms)`,
      ["p50", "p99", "Maximum"].map((statistic) =>
        w.fn.metricDuration({ period: FIVE_MINUTES, statistic }),
      ),
      { leftAnnotations: [{ value: w.timeout.toMilliseconds(), label: "Timeout" }] },
    ),
  ];
  if (w.concurrencyLimit !== undefined)
    widgets.push(
      graph(`${w.label} function: concurrent executions`, [concurrencyMetric(w.fn, minute)], {
        leftAnnotations: [{ value: w.concurrencyLimit, label: "Reserved concurrency" }],
      }),
    );
  return widgets;
}
