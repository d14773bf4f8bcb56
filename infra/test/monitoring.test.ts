import { readFileSync } from "node:fs";
import { Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { WORKER_METRIC_NAMES, WORKER_METRICS_NAMESPACE } from "../lib/metrics.js";
import { buildStack, fleetOf } from "./stack-fixture.js";
import { renderCfnText } from "./template-text.js";

/** The dashboard's widgets, with references rendered as `{Ref:…}` / `{GetAtt:…}`. */
function dashboardWidgets(
  template: Template,
): { properties: { title: string; metrics?: unknown[][] } }[] {
  const [dashboard] = Object.values(template.findResources("AWS::CloudWatch::Dashboard"));
  return JSON.parse(renderCfnText(dashboard?.Properties.DashboardBody)).widgets;
}

describe("MigrationMonitoring", () => {
  const stack = buildStack({
    notificationEmails: ["ops@example.com", "oncall@example.com"],
    workerErrorThreshold: 25,
  });
  const template = Template.fromStack(stack);
  const topic = stack.resolve(stack.notifications.topic.topicArn);
  const widgets = dashboardWidgets(template);
  const metricsOf = (title: string) => {
    const widget = widgets.find((w) => w.properties.title === title);
    expect(widget, title).toBeDefined();
    return JSON.stringify(widget?.properties.metrics);
  };
  const group = `{Ref:${stack.resolve(fleetOf(stack).group.autoScalingGroupName).Ref}}`;

  it("subscribes every address to the notification topic by e-mail", () => {
    for (const address of ["ops@example.com", "oncall@example.com"]) {
      template.hasResourceProperties("AWS::SNS::Subscription", {
        Protocol: "email",
        Endpoint: address,
        TopicArn: topic,
      });
    }
  });

  it("counts error and warn lines of the worker and jobsender logs with JSON metric filters", () => {
    const logGroups = [fleetOf(stack).logGroup, stack.jobsender?.logGroup];
    for (const [i, logGroup] of logGroups.entries()) {
      const who = i === 0 ? "Worker" : "Jobsender";
      for (const [level, name] of [
        ["error", "Error"],
        ["warn", "Warning"],
      ]) {
        template.hasResourceProperties("AWS::Logs::MetricFilter", {
          LogGroupName: stack.resolve(logGroup?.logGroupName),
          FilterPattern: `{ $.level = "${level}" }`,
          MetricTransformations: [
            Match.objectLike({
              MetricNamespace: "S3Migration/Logs",
              MetricName: `${who}${name}Lines`,
              MetricValue: "1",
            }),
          ],
        });
      }
    }
  });

  it("e-mails when the dead-letter queue is not empty", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/SQS",
      MetricName: "ApproximateNumberOfMessagesVisible",
      Dimensions: [
        { Name: "QueueName", Value: stack.resolve(stack.jobQueue.deadLetterQueue.queueName) },
      ],
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      AlarmActions: [topic],
    });
  });

  it("e-mails when the oldest job has waited three quarters of the 14-day retention", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/SQS",
      MetricName: "ApproximateAgeOfOldestMessage",
      Dimensions: [{ Name: "QueueName", Value: stack.resolve(stack.jobQueue.queue.queueName) }],
      Statistic: "Maximum",
      Threshold: 0.75 * 14 * 86_400,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      AlarmActions: [topic],
    });
  });

  it("shows every e-mailing alarm on the dashboard's alarm widget", () => {
    const widget = widgets.find((w) => w.properties.title === "Alarms") as
      | { properties: { alarms: string[] } }
      | undefined;
    for (const alarm of [
      fleetOf(stack).drainedAlarm,
      stack.monitoring.deadLetterAlarm,
      stack.monitoring.workerErrorAlarm,
      stack.monitoring.oldestJobAlarm,
    ]) {
      const arn = stack.resolve(alarm.alarmArn)["Fn::GetAtt"];
      expect(widget?.properties.alarms).toContain(`{GetAtt:${arn[0]}.${arn[1]}}`);
    }
  });

  it("e-mails when worker error lines reach the threshold in 5 minutes", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "S3Migration/Logs",
      MetricName: "WorkerErrorLines",
      Statistic: "Sum",
      Period: 300,
      Threshold: 25,
      AlarmActions: [topic],
    });
  });

  it("charts bytes and objects per minute from the worker's EMF metrics", () => {
    expect(metricsOf("Bytes copied per minute")).toContain(
      '["S3Migration","BytesCopied",{"period":60,"stat":"Sum"}]',
    );
    const objects = metricsOf("Objects per minute");
    for (const name of ["ObjectsCopied", "ObjectsFailed", "RetryableErrors", "EventsDropped"]) {
      expect(objects).toContain(`["S3Migration","${name}",{"period":60,"stat":"Sum"}]`);
    }
  });

  it("charts every counter of the worker's EMF line, and no other", () => {
    const charted = widgets.flatMap((w) =>
      (w.properties.metrics ?? []).filter((m) => m[0] === "S3Migration").map((m) => m[1]),
    );
    expect(new Set(charted)).toEqual(new Set(WORKER_METRIC_NAMES));
  });

  it("charts log errors and warnings, the queue, the DLQ and fleet capacity", () => {
    expect(metricsOf("Log errors and warnings (lines per 5 min)")).toMatch(
      /WorkerErrorLines.*WorkerWarningLines.*JobsenderErrorLines/,
    );
    const queue = metricsOf("Queue: waiting, running, dead-letter");
    expect(queue).toContain(
      `"ApproximateNumberOfMessagesVisible","QueueName","{GetAtt:${stack.resolve(stack.jobQueue.queue.queueName)["Fn::GetAtt"][0]}.QueueName}"`,
    );
    expect(queue).toContain("ApproximateNumberOfMessagesNotVisible");
    expect(queue).toContain(
      `{GetAtt:${stack.resolve(stack.jobQueue.deadLetterQueue.queueName)["Fn::GetAtt"][0]}.QueueName}`,
    );
    expect(metricsOf("Worker fleet capacity")).toContain(
      `"AWS/AutoScaling","GroupInServiceInstances","AutoScalingGroupName","${group}"`,
    );
  });

  it("charts CPU, memory, disk, TCP connections and network out of the worker fleet", () => {
    expect(metricsOf("Worker CPU %")).toContain(
      `"AWS/EC2","CPUUtilization","AutoScalingGroupName","${group}"`,
    );
    const hostDims = '"Role","worker","StackName","Test"';
    expect(metricsOf("Worker memory and root disk used %")).toContain(
      `"S3Migration/Host","mem_used_percent",${hostDims}`,
    );
    expect(metricsOf("Worker memory and root disk used %")).toContain(
      `"S3Migration/Host","disk_used_percent",${hostDims}`,
    );
    expect(metricsOf("Worker TCP connections (fleet total)")).toContain(
      `"netstat_tcp_established",${hostDims}`,
    );
    const network = metricsOf("Worker network out (bytes/s)");
    expect(network).toContain("out / PERIOD(out)");
    expect(network).toContain(`"AWS/EC2","NetworkOut","AutoScalingGroupName","${group}"`);
  });

  const workerSource = readFileSync(
    new URL("../../packages/worker/src/service/throughput-metrics.ts", import.meta.url),
    "utf8",
  );

  it("uses the namespace the worker writes its EMF lines to", () => {
    expect(workerSource).toContain(`METRICS_NAMESPACE = "${WORKER_METRICS_NAMESPACE}"`);
  });

  it("names the counters the worker writes (its UNITS), each once", () => {
    const units = /const UNITS[^{]*\{([^}]*)\}/.exec(workerSource)?.[1] ?? "";
    const written = [...units.matchAll(/^\s*(\w+):/gm)].map((m) => m[1]);
    expect(written).toContain("EventsDropped");
    expect([...written].sort()).toEqual([...WORKER_METRIC_NAMES].sort());
  });
});

describe("MigrationMonitoring with a 4-day queue retention", () => {
  const stack = buildStack({ queueRetentionDays: 4 });
  const template = Template.fromStack(stack);

  it("raises the oldest-job alarm after 3 of the 4 days", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateAgeOfOldestMessage",
      Threshold: 3 * 86_400,
      AlarmActions: [stack.resolve(stack.notifications.topic.topicArn)],
    });
    template.hasResourceProperties("AWS::SQS::Queue", {
      QueueName: "s3_migration_file_list",
      MessageRetentionPeriod: 4 * 86_400,
    });
  });
});
