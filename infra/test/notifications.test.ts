import { Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { buildStack } from "./stack-fixture.js";

describe("Notifications", () => {
  const stack = buildStack({ notificationEmails: ["ops@example.com"] });
  const template = Template.fromStack(stack);
  const topic = stack.resolve(stack.notifications.topic.topicArn);

  it("lets this account's CloudWatch alarms publish to the topic, whose TLS-only policy replaces SNS's default", () => {
    // Assess: an Allow for CloudWatch scoped to this account's alarms, partition-aware (aws-cn).
    template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      Topics: [topic],
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: "sns:Publish",
            Resource: topic,
            Condition: {
              StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
              ArnLike: {
                "aws:SourceArn": {
                  "Fn::Join": [
                    "",
                    [
                      "arn:",
                      { Ref: "AWS::Partition" },
                      ":cloudwatch:",
                      { Ref: "AWS::Region" },
                      ":",
                      { Ref: "AWS::AccountId" },
                      ":alarm:*",
                    ],
                  ],
                },
              },
            },
          }),
        ]),
      }),
    });
  });

  it("sends every alarm action to a topic whose policy admits CloudWatch", () => {
    // Prepare: the topics whose policy has an Allow for cloudwatch.amazonaws.com.
    const admitting = Object.values(template.findResources("AWS::SNS::TopicPolicy"))
      .filter((p) =>
        p.Properties.PolicyDocument.Statement.some(
          (s: { Effect: string; Principal?: { Service?: string } }) =>
            s.Effect === "Allow" && s.Principal?.Service === "cloudwatch.amazonaws.com",
        ),
      )
      .flatMap((p) => p.Properties.Topics.map((t: unknown) => JSON.stringify(t)));
    // Act
    const actions = Object.values(template.findResources("AWS::CloudWatch::Alarm")).flatMap(
      (a) => a.Properties.AlarmActions ?? [],
    );
    const topics = Object.keys(template.findResources("AWS::SNS::Topic"));
    const topicActions = actions.filter((a: { Ref?: string }) => topics.includes(a.Ref ?? ""));
    // Assess: the alarms e-mail (at least batch finished, DLQ, worker errors, oldest job).
    expect(topicActions.length).toBeGreaterThanOrEqual(4);
    for (const action of topicActions) expect(admitting).toContain(JSON.stringify(action));
  });
});
