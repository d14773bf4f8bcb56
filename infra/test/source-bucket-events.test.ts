import type { Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import type * as iam from "aws-cdk-lib/aws-iam";
import { describe, expect, it } from "vitest";
import { readAppConfig } from "../lib/app-config.js";
import type { MigrationStack } from "../lib/migration-stack.js";
import { type CfnResource, resourcesOf } from "./lambda-fixture.js";
import { buildStack, fleetOf } from "./stack-fixture.js";

const entry = (src_bucket: string, src_prefix: string, des_bucket: string) => ({
  src_bucket,
  src_prefix,
  des_bucket,
  des_prefix: "",
});

/**
 * Overlapping prefixes (`logs` and `logs/2024/` in one bucket, `logs` standing for `logs/`),
 * a bucket repeated with an empty prefix (taken whole), another with one prefix.
 */
const EVENT_MAP = JSON.stringify([
  entry("global-src-c", "logs", "china-dst-1"),
  entry("global-src-a", "x/", "china-dst-2"),
  entry("global-src-c", "logs/2024/", "china-dst-3"),
  entry("global-src-b", "logs/", "china-dst-4"),
  entry("global-src-a", "", "china-dst-5"),
  entry("global-src-c", "img/", "china-dst-6"),
]);
const SOURCES = ["global-src-c", "global-src-a", "global-src-b"];

const objectCreated = (detail: object) => ({
  source: ["aws.s3"],
  "detail-type": ["Object Created"],
  detail,
});

/** The stack's S3 rules (a Lambda jobsender's schedule rule is not one). */
function s3Rules(template: Template): [string, CfnResource][] {
  return resourcesOf(template, "AWS::Events::Rule").filter(([, r]) =>
    JSON.stringify(r.Properties.EventPattern ?? {}).includes("aws.s3"),
  );
}

/** The statements of every inline policy attached to a role, as the template has them. */
function roleStatements(template: Template, stack: Stack, role: iam.IRole): unknown[] {
  const ref = JSON.stringify(stack.resolve(role.roleName));
  return Object.values(template.findResources("AWS::IAM::Policy"))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(ref))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

const getAtt = (stack: Stack, arn: string) => stack.resolve(arn);

describe("sourceBucketEvents eventbridge (jobType PUT)", () => {
  const stack = buildStack({ sourceBucketEvents: "eventbridge", bucketMapJson: EVENT_MAP });
  const template = Template.fromStack(stack);
  const events = stack.sourceEvents;
  const ruleArn = getAtt(stack, events?.rules[0]?.ruleArn ?? "");

  it("matches Object Created of each source bucket once, under its outermost mapped prefixes", () => {
    const rules = s3Rules(template);
    expect(rules).toHaveLength(1);
    expect(rules[0]?.[1].Properties.EventPattern).toEqual(
      objectCreated({
        $or: [
          {
            bucket: { name: ["global-src-c"] },
            object: { key: [{ prefix: "img/" }, { prefix: "logs/" }] },
          },
          { bucket: { name: ["global-src-a"] } },
          { bucket: { name: ["global-src-b"] }, object: { key: [{ prefix: "logs/" }] } },
        ],
      }),
    );
    expect(rules[0]?.[1].Properties.State).toBe("ENABLED");
  });

  it("targets the job queue with the whole event, a day of retries and the DLQ", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      EventBusName: Match.absent(),
      Targets: [
        Match.objectEquals({
          Id: "Target0",
          Arn: getAtt(stack, stack.jobQueue.queue.queueArn),
          DeadLetterConfig: { Arn: getAtt(stack, stack.jobQueue.deadLetterQueue.queueArn) },
          RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
        }),
      ],
    });
  });

  it("lets EventBridge send to the job queue and its DLQ for this rule only", () => {
    for (const [queue, action] of [
      [stack.jobQueue.queue, Match.arrayWith(["sqs:SendMessage"])],
      [stack.jobQueue.deadLetterQueue, "sqs:SendMessage"],
    ] as const) {
      template.hasResourceProperties("AWS::SQS::QueuePolicy", {
        Queues: [stack.resolve(queue.queueUrl)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: "Allow",
              Principal: { Service: "events.amazonaws.com" },
              Action: action,
              Resource: getAtt(stack, queue.queueArn),
              Condition: { ArnEquals: { "aws:SourceArn": ruleArn } },
            }),
          ]),
        },
      });
    }
  });

  it("needs no KMS grant: both queues are SSE-SQS, without a customer key", () => {
    const queues = Object.values(template.findResources("AWS::SQS::Queue"));
    expect(queues).toHaveLength(2);
    for (const q of queues) {
      expect(q.Properties.SqsManagedSseEnabled).toBe(true);
      expect(q.Properties.KmsMasterKeyId).toBeUndefined();
    }
  });

  it("turns on EventBridge once per source bucket, merged with its notifications, after the rule and queues", () => {
    const resources = Object.values(template.findResources("Custom::S3BucketNotifications"));
    expect(resources.map((r) => r.Properties.BucketName)).toEqual(SOURCES);
    // Referenced, never created or owned by the stack.
    for (const name of SOURCES)
      template.resourcePropertiesCountIs("AWS::S3::Bucket", { BucketName: name }, 0);
    const queuePolicies = Object.keys(template.findResources("AWS::SQS::QueuePolicy"));
    for (const r of resources) {
      expect(r.Properties.NotificationConfiguration).toEqual({ EventBridgeConfiguration: {} });
      // Managed false: CDK's handler reads the bucket's configuration and keeps what is there.
      expect(r.Properties.Managed).toBe(false);
      expect(r.DependsOn).toEqual(
        expect.arrayContaining([ruleArn["Fn::GetAtt"][0], ...queuePolicies]),
      );
    }
  });

  it("lets the notifications handler read and write the notification configuration of these buckets only", () => {
    const handlerRole = Object.entries(template.findResources("AWS::IAM::Role")).find(([id]) =>
      id.startsWith("BucketNotificationsHandler"),
    )?.[0];
    const statements = Object.values(template.findResources("AWS::IAM::Policy"))
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: handlerRole }]))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const buckets = statements.map((st) => JSON.stringify(st.Resource).match(/s3:::([^"]+)/)?.[1]);
    expect(new Set(buckets)).toEqual(new Set(SOURCES));
    expect(new Set(statements.map((st) => st.Action))).toEqual(
      new Set(["s3:PutBucketNotification", "s3:GetBucketNotification"]),
    );
  });

  it("gives the worker's role nothing new: the events arrive on the queue it reads", () => {
    const without = buildStack({ bucketMapJson: EVENT_MAP });
    expect(roleStatements(template, stack, fleetOf(stack).role)).toEqual(
      roleStatements(Template.fromStack(without), without, fleetOf(without).role),
    );
  });
});

describe("sourceBucketEvents with the serverless modes and the event bucket", () => {
  it("subscribes the sources beside a Lambda worker and jobsender (the schedule rule apart)", () => {
    const stack = buildStack({
      sourceBucketEvents: "eventbridge",
      workerMode: "lambda",
      jobsenderMode: "lambda",
    });
    const template = Template.fromStack(stack);
    expect(s3Rules(template)).toHaveLength(1);
    expect(Object.keys(template.findResources("AWS::Events::Rule"))).toHaveLength(2);
    template.resourceCountIs("Custom::S3BucketNotifications", 2);
  });

  it("leaves the stack's own event bucket managed (its notifications are the stack's alone)", () => {
    const stack = buildStack({
      sourceBucketEvents: "eventbridge",
      eventSource: { destinationBucket: "china-dst-a" },
    });
    const managed = Object.values(
      Template.fromStack(stack).findResources("Custom::S3BucketNotifications"),
    ).map((r) => [typeof r.Properties.BucketName, r.Properties.Managed]);
    expect(managed).toEqual([
      ["object", true],
      ["string", false],
      ["string", false],
    ]);
  });

  it("splits the buckets over several rules when one pattern would pass EventBridge's 2,048 characters", () => {
    const many = Array.from({ length: 40 }, (_, i) =>
      entry(`global-source-bucket-${i}`, `exports/part-${i}/`, `china-dst-${i}`),
    );
    const stack = buildStack({
      sourceBucketEvents: "eventbridge",
      bucketMapJson: JSON.stringify(many),
    });
    const template = Template.fromStack(stack);
    const rules = s3Rules(template);
    expect(rules.length).toBeGreaterThan(1);
    const covered = rules.flatMap(([, r]) => {
      expect(JSON.stringify(r.Properties.EventPattern).length).toBeLessThanOrEqual(2048);
      return JSON.stringify(r.Properties.EventPattern).match(/global-source-bucket-\d+/g) ?? [];
    });
    expect(covered).toEqual(many.map((m) => m.src_bucket));
    for (const rule of stack.sourceEvents?.rules ?? []) {
      template.hasResourceProperties("AWS::SQS::QueuePolicy", {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Condition: { ArnEquals: { "aws:SourceArn": stack.resolve(rule.ruleArn) } },
            }),
          ]),
        },
      });
    }
  });
});

describe("sourceBucketEvents none (the default) and refusals", () => {
  it("subscribes nothing by default", () => {
    const stack: MigrationStack = buildStack();
    const template = Template.fromStack(stack);
    expect(stack.settings.sourceBucketEvents).toBe("none");
    expect(stack.sourceEvents).toBeUndefined();
    template.resourceCountIs("Custom::S3BucketNotifications", 0);
    template.resourceCountIs("AWS::Events::Rule", 0);
  });

  it("refuses eventbridge with jobType GET, naming the setting and what it needs", () => {
    expect(() => buildStack({ jobType: "GET", sourceBucketEvents: "eventbridge" })).toThrow(
      /sourceBucketEvents: got "eventbridge"; expected none with jobType GET: eventbridge needs jobType PUT/,
    );
  });

  it("refuses an unknown value", () => {
    expect(() => buildStack({ sourceBucketEvents: "cloudtrail" as "none" })).toThrow(
      /sourceBucketEvents: got "cloudtrail"; expected none, or eventbridge/,
    );
  });

  it("reads the setting from the context (-c sourceBucketEvents=eventbridge)", () => {
    const context: Record<string, string> = {
      sourceBucketEvents: "eventbridge",
      bucketMap: EVENT_MAP,
    };
    const config = readAppConfig(
      (key) => context[key],
      () => "",
      "unused.json",
    );
    expect(config.settings.sourceBucketEvents).toBe("eventbridge");
  });
});
