import { Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import type { MigrationSettings } from "../lib/migration-settings.js";
import type { MigrationStack } from "../lib/migration-stack.js";
import { buildStack } from "./stack-fixture.js";
import { renderCfnText } from "./template-text.js";

interface Widget {
  properties: {
    title: string;
    metrics?: unknown[][];
    alarms?: string[];
    annotations?: { horizontal?: { value: number; label: string }[] };
  };
}

function dashboardWidgets(template: Template): Widget[] {
  const [dashboard] = Object.values(template.findResources("AWS::CloudWatch::Dashboard"));
  return JSON.parse(renderCfnText(dashboard?.Properties.DashboardBody)).widgets;
}

/** The functions of a stack with both, and the template. */
function serverlessStack(settings: MigrationSettings) {
  const stack = buildStack({ jobsenderMode: "lambda", ...settings });
  const worker = stack.workerFunction?.app;
  const jobsender = stack.jobsenderFunction?.app;
  if (!worker || !jobsender) throw new Error("expected both functions");
  return { stack, template: Template.fromStack(stack), worker, jobsender };
}

/** `{ Name: FunctionName, Value: <ref> }` of a function. */
const functionDimension = (stack: MigrationStack, fn: { functionName: string }) => [
  { Name: "FunctionName", Value: stack.resolve(fn.functionName) },
];

describe("function alarms and widgets (workerMode lambda, jobsenderMode lambda)", () => {
  const { stack, template, worker, jobsender } = serverlessStack({
    workerMode: "lambda",
    workerLambdaTimeoutSeconds: 600,
    workerLambdaReservedConcurrency: 25,
  });
  const topic = stack.resolve(stack.notifications.topic.topicArn);
  const widgets = dashboardWidgets(template);
  const widget = (title: string) => {
    const found = widgets.find((w) => w.properties.title === title);
    expect(found, title).toBeDefined();
    return found as Widget;
  };

  it.each([
    ["worker", "Errors"],
    ["worker", "Throttles"],
    ["jobsender", "Errors"],
    ["jobsender", "Throttles"],
  ] as const)("e-mails on any %s function %s in 5 minutes", (who, metric) => {
    const fn = who === "worker" ? worker.fn : jobsender.fn;
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/Lambda",
      MetricName: metric,
      Dimensions: functionDimension(stack, fn),
      Statistic: "Sum",
      Period: 300,
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      AlarmActions: [topic],
    });
  });

  it("e-mails when p99 duration stays at 90 % of the timeout: 15 minutes for the worker, 5 for the jobsender", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "Duration",
      Dimensions: functionDimension(stack, worker.fn),
      ExtendedStatistic: "p99",
      Threshold: 0.9 * 600_000,
      EvaluationPeriods: 3,
      AlarmActions: [topic],
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "Duration",
      Dimensions: functionDimension(stack, jobsender.fn),
      ExtendedStatistic: "p99",
      Threshold: 0.9 * 900_000,
      EvaluationPeriods: 1,
      AlarmActions: [topic],
    });
  });

  it("e-mails when the worker runs at 90 % of its reserved concurrency for 15 minutes (not the jobsender, reserved 1)", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ConcurrentExecutions",
      Dimensions: functionDimension(stack, worker.fn),
      Statistic: "Maximum",
      Threshold: 23,
      EvaluationPeriods: 3,
      AlarmActions: [topic],
    });
    template.resourcePropertiesCountIs(
      "AWS::CloudWatch::Alarm",
      { MetricName: "ConcurrentExecutions", Dimensions: functionDimension(stack, jobsender.fn) },
      0,
    );
  });

  it("shows every e-mailing alarm on the dashboard's alarm widget", () => {
    // Prepare: every alarm whose action is the topic.
    const emailing = Object.entries(template.findResources("AWS::CloudWatch::Alarm"))
      .filter(([, a]) => JSON.stringify(a.Properties.AlarmActions) === JSON.stringify([topic]))
      .map(([id]) => `{GetAtt:${id}.Arn}`);
    // Assess: the four of the worker, three of the jobsender, DLQ, errors, oldest job, drained.
    expect(emailing).toHaveLength(11);
    expect(widget("Alarms").properties.alarms?.sort()).toEqual(emailing.sort());
  });

  it("charts invocations, errors, throttles, duration against the timeout, concurrency against the reservation", () => {
    const name = `{Ref:${stack.resolve(worker.fn.functionName).Ref}}`;
    const calls = JSON.stringify(
      widget("Worker function: invocations, errors, throttles").properties,
    );
    for (const metric of ["Invocations", "Errors", "Throttles"])
      expect(calls).toContain(`"AWS/Lambda","${metric}","FunctionName","${name}"`);
    const duration = widget("Worker function: duration (ms)").properties;
    expect(JSON.stringify(duration.metrics)).toMatch(/"Duration".*"p99"/);
    expect(duration.annotations?.horizontal).toEqual([
      expect.objectContaining({ value: 600_000, label: "Timeout" }),
    ]);
    const concurrency = widget("Worker function: concurrent executions").properties;
    expect(JSON.stringify(concurrency.metrics)).toContain(
      `"ConcurrentExecutions","FunctionName","${name}"`,
    );
    expect(concurrency.annotations?.horizontal).toEqual([
      expect.objectContaining({ value: 25, label: "Reserved concurrency" }),
    ]);
    widget("Jobsender function: duration (ms)");
  });

  it("counts error and warn lines of the function logs into the programs' metrics", () => {
    for (const [logGroup, who] of [
      [worker.logGroup, "Worker"],
      [jobsender.logGroup, "Jobsender"],
    ] as const) {
      template.hasResourceProperties("AWS::Logs::MetricFilter", {
        LogGroupName: stack.resolve(logGroup.logGroupName),
        FilterPattern: '{ $.level = "error" }',
        MetricTransformations: [Match.objectLike({ MetricName: `${who}ErrorLines` })],
      });
    }
  });

  it("has no fleet graph and no no-worker alarm without a fleet", () => {
    expect(widgets.map((w) => w.properties.title)).not.toContain("Worker fleet capacity");
    expect(stack.monitoring.noWorkerAlarm).toBeUndefined();
  });
});

describe("function alarms in hybrid mode", () => {
  const { stack, template } = serverlessStack({ workerMode: "hybrid" });

  it("keeps the fleet's alarms and graphs beside the functions', one error metric per program", () => {
    const widgets = dashboardWidgets(template);
    const titles = widgets.map((w) => w.properties.title);
    expect(titles).toEqual(
      expect.arrayContaining(["Worker fleet capacity", "Worker function: duration (ms)"]),
    );
    expect(stack.monitoring.noWorkerAlarm).toBeDefined();
    const logLines = JSON.stringify(
      widgets.find((w) => w.properties.title.startsWith("Log errors"))?.properties.metrics,
    );
    expect(logLines.match(/WorkerErrorLines/g)).toHaveLength(1);
    // Both worker log groups feed the one metric.
    template.resourcePropertiesCountIs(
      "AWS::Logs::MetricFilter",
      { MetricTransformations: [Match.objectLike({ MetricName: "WorkerErrorLines" })] },
      2,
    );
  });
});
