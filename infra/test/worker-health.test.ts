import { Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { hostUserData, writtenFile } from "./host-files.js";
import { buildStack, fleetOf } from "./stack-fixture.js";
import { renderCfnText } from "./template-text.js";

interface MetricQuery {
  Id: string;
  Expression?: string;
  ReturnData?: boolean;
  MetricStat?: {
    Metric: {
      Namespace: string;
      MetricName: string;
      Dimensions: { Name: string; Value: unknown }[];
    };
  };
}

/**
 * The value of a CloudWatch metric-math expression for one period, for the functions this
 * alarm uses: `FILL(m, v)` (m, or v when m has no value), `IF`, `AND`, comparisons. A metric
 * used outside `FILL` that has no value gives no value (undefined), as in CloudWatch.
 */
function evaluate(expression: string, values: Record<string, number | undefined>): unknown {
  const unfilled = expression.replace(/FILL\(\w+, *\d+\)/g, "");
  if (
    Object.keys(values).some(
      (id) => new RegExp(`\\b${id}\\b`).test(unfilled) && values[id] === undefined,
    )
  ) {
    return undefined;
  }
  const js = expression
    .replace(/FILL\((\w+), *(\d+)\)/g, "($1 ?? $2)")
    .replace(/\bAND\b/g, "&&")
    .replace(/\bIF\(/g, "ifThen(");
  const ids = Object.keys(values);
  const ifThen = (c: unknown, a: number, b: number) => (c ? a : b);
  return new Function("ifThen", ...ids, `return ${js};`)(ifThen, ...ids.map((id) => values[id]));
}

describe("the no-worker alarm (failed boots)", () => {
  const stack = buildStack();
  const template = Template.fromStack(stack);
  const [alarm] = Object.values(
    template.findResources("AWS::CloudWatch::Alarm", {
      Properties: { AlarmDescription: Match.stringLikeRegexp("no worker process") },
    }),
  );
  const props = alarm?.Properties ?? {};
  const queries = (props.Metrics ?? []) as MetricQuery[];
  const expression = queries.find((q) => q.ReturnData)?.Expression ?? "";
  const metric = (id: string) => queries.find((q) => q.Id === id)?.MetricStat?.Metric;
  const agentConfig = JSON.parse(
    writtenFile(
      hostUserData(stack).worker,
      "/opt/aws/amazon-cloudwatch-agent/etc/s3-migration.json",
    ),
  );

  /**
   * Whether the alarm goes to ALARM at any minute of this sequence (oldest first; each minute:
   * instances in service, worker processes; undefined = no data that minute).
   */
  function fires(sequence: [number | undefined, number | undefined][]): boolean {
    expect(props.TreatMissingData).toBe("notBreaching"); // a minute without a value never counts
    expect(props.ComparisonOperator).toBe("GreaterThanOrEqualToThreshold");
    const breaching = sequence.map(([inService, workers]) => {
      const v = evaluate(expression, { inService, workers });
      return typeof v === "number" && v >= props.Threshold;
    });
    return breaching.some((_, end) => {
      const window = breaching.slice(Math.max(0, end + 1 - props.EvaluationPeriods), end + 1);
      return window.filter(Boolean).length >= props.DatapointsToAlarm;
    });
  }
  const minutes = (n: number, inService?: number, workers?: number) =>
    Array.from({ length: n }, (): [number | undefined, number | undefined] => [inService, workers]);

  it("exists and e-mails the notification topic, as the other alarms do", () => {
    expect(alarm, "an alarm about no worker process").toBeDefined();
    expect(props.AlarmActions).toEqual([stack.resolve(stack.notifications.topic.topicArn)]);
  });

  it("reads the process count the worker hosts' CloudWatch agent sends", () => {
    // Prepare: what the rendered agent configuration publishes.
    const [procstat] = agentConfig.metrics.metrics_collected.procstat;
    const dims = procstat.append_dimensions as Record<string, string>;
    // Assess
    expect(metric("workers")).toEqual({
      Namespace: agentConfig.metrics.namespace,
      MetricName: `procstat_lookup_${procstat.measurement[0]}`,
      Dimensions: Object.entries(dims)
        .map(([Name, Value]) => ({ Name, Value }))
        .sort((a, b) => a.Name.localeCompare(b.Name)),
    });
    // The agent publishes a series with exactly these dimensions only if it rolls up to them.
    expect(agentConfig.metrics.aggregation_dimensions).toContainEqual(Object.keys(dims));
  });

  it("reads the worker group's in-service count, which the group publishes every minute", () => {
    expect(metric("inService")).toEqual({
      Namespace: "AWS/AutoScaling",
      MetricName: "GroupInServiceInstances",
      Dimensions: [
        {
          Name: "AutoScalingGroupName",
          Value: stack.resolve(fleetOf(stack).group.autoScalingGroupName),
        },
      ],
    });
    template.hasResourceProperties("AWS::AutoScaling::AutoScalingGroup", {
      MixedInstancesPolicy: Match.anyValue(),
      MetricsCollection: [{ Granularity: "1Minute" }], // no list: every group metric
    });
  });

  it("fires when instances stay in service with no worker, whether the agent reports 0 or nothing", () => {
    expect(fires(minutes(15, 2, 0))).toBe(true);
    expect(fires(minutes(15, 2, undefined))).toBe(true);
  });

  it("fires on a worker that crash-loops (seen running in 2 of 15 minutes)", () => {
    expect(fires([...minutes(13, 1, 0), ...minutes(2, 1, 1)])).toBe(true);
  });

  it("stays quiet while instances boot (8 minutes), while workers run, and with no instance", () => {
    expect(fires([...minutes(8, 1, 0), ...minutes(7, 1, 1)])).toBe(false);
    expect(fires(minutes(15, 3, 3))).toBe(false);
    expect(fires(minutes(15, 0, undefined))).toBe(false);
    expect(fires(minutes(15, undefined, undefined))).toBe(false);
  });

  it("is on the dashboard's alarm widget, and the worker process count on the capacity graph", () => {
    const [dashboard] = Object.values(template.findResources("AWS::CloudWatch::Dashboard"));
    const widgets: { properties: { title: string; alarms?: string[]; metrics?: unknown } }[] =
      JSON.parse(renderCfnText(dashboard?.Properties.DashboardBody)).widgets;
    const arn = stack.resolve(stack.monitoring.noWorkerAlarm?.alarmArn)["Fn::GetAtt"];
    const alarms = widgets.find((w) => w.properties.title === "Alarms")?.properties.alarms;
    expect(alarms).toContain(`{GetAtt:${arn[0]}.${arn[1]}}`);
    const capacity = widgets.find((w) => w.properties.title === "Worker fleet capacity");
    expect(JSON.stringify(capacity?.properties.metrics)).toContain(
      '"S3Migration/Host","procstat_lookup_pid_count","Role","worker","StackName","Test"',
    );
  });
});
