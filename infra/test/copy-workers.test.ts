import type { CfnElement } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { buildStack, fleetOf, WORKER_ONLY_BUNDLE } from "./stack-fixture.js";

describe("CopyWorkers with default settings", () => {
  const stack = buildStack();
  const template = Template.fromStack(stack);
  const launchTemplateId = stack.getLogicalId(
    fleetOf(stack).host.launchTemplate.node.defaultChild as CfnElement,
  );
  const group = stack.resolve(fleetOf(stack).group.autoScalingGroupName);
  const topic = stack.resolve(stack.notifications.topic.topicArn);

  it("runs 1-10 Spot instances, price-capacity-optimized over c5/c6i/c7i large, no on-demand base", () => {
    template.hasResourceProperties("AWS::AutoScaling::AutoScalingGroup", {
      MinSize: "1",
      MaxSize: "10",
      DesiredCapacity: Match.absent(),
      CapacityRebalance: true,
      MixedInstancesPolicy: {
        InstancesDistribution: {
          OnDemandBaseCapacity: 0,
          OnDemandPercentageAboveBaseCapacity: 0,
          SpotAllocationStrategy: "price-capacity-optimized",
        },
        LaunchTemplate: Match.objectLike({
          LaunchTemplateSpecification: Match.objectLike({
            LaunchTemplateId: { Ref: launchTemplateId },
          }),
          Overrides: [
            { InstanceType: "c5.large" },
            { InstanceType: "c6i.large" },
            { InstanceType: "c7i.large" },
          ],
        }),
      },
    });
  });

  it("collects group metrics and notifies launch errors", () => {
    template.hasResourceProperties("AWS::AutoScaling::AutoScalingGroup", {
      MixedInstancesPolicy: Match.anyValue(),
      MetricsCollection: [{ Granularity: "1Minute" }],
      NotificationConfigurations: [
        Match.objectLike({
          TopicARN: topic,
          NotificationTypes: Match.arrayWith(["autoscaling:EC2_INSTANCE_LAUNCH_ERROR"]),
        }),
      ],
    });
  });

  it("requires IMDSv2 and encrypts the gp3 root volume", () => {
    template.hasResourceProperties("AWS::EC2::LaunchTemplate", {
      LaunchTemplateData: Match.objectLike({
        MetadataOptions: { HttpTokens: "required", HttpPutResponseHopLimit: 1 },
        BlockDeviceMappings: [
          {
            DeviceName: "/dev/xvda",
            Ebs: Match.objectLike({ Encrypted: true, VolumeType: "gp3", VolumeSize: 30 }),
          },
        ],
      }),
    });
  });

  it("scales out in steps on visible messages: ≥100 +1, ≥500 +2, ≥2000 +5", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/SQS",
      MetricName: "ApproximateNumberOfMessagesVisible",
      Dimensions: [{ Name: "QueueName", Value: stack.resolve(stack.jobQueue.queue.queueName) }],
      Threshold: 100,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      Period: 60,
    });
    template.hasResourceProperties("AWS::AutoScaling::ScalingPolicy", {
      AutoScalingGroupName: group,
      PolicyType: "StepScaling",
      AdjustmentType: "ChangeInCapacity",
      StepAdjustments: [
        { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 400, ScalingAdjustment: 1 },
        { MetricIntervalLowerBound: 400, MetricIntervalUpperBound: 1900, ScalingAdjustment: 2 },
        { MetricIntervalLowerBound: 1900, ScalingAdjustment: 5 },
      ],
    });
  });

  it("synthesizes a single scale-out step (CDK wants two intervals)", () => {
    // Act
    const one = Template.fromStack(buildStack({ scaleOutSteps: [{ lower: 50, change: 3 }] }));
    // Assess
    one.hasResourceProperties("AWS::AutoScaling::ScalingPolicy", {
      PolicyType: "StepScaling",
      AdjustmentType: "ChangeInCapacity",
      StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 3 }],
    });
    one.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateNumberOfMessagesVisible",
      Threshold: 50,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    });
  });

  it("goes back to the minimum once visible + in flight stayed 0 for 15 minutes, and e-mails once", () => {
    const toMinimum = Object.entries(
      template.findResources("AWS::AutoScaling::ScalingPolicy", {
        Properties: { AdjustmentType: "ExactCapacity" },
      }),
    );
    expect(toMinimum.map(([, r]) => r.Properties.StepAdjustments)).toEqual([
      [{ MetricIntervalUpperBound: 0, ScalingAdjustment: 1 }],
    ]);
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: "visible + inFlight", ReturnData: true }),
        Match.objectLike({
          Id: "inFlight",
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ MetricName: "ApproximateNumberOfMessagesNotVisible" }),
          }),
        }),
      ]),
      Threshold: 0,
      ComparisonOperator: "LessThanOrEqualToThreshold",
      EvaluationPeriods: 15,
      DatapointsToAlarm: 15,
      TreatMissingData: "ignore",
      AlarmActions: [{ Ref: toMinimum[0]?.[0] }, topic],
    });
  });

  it("starts instances only after the bundle is in the deploy bucket", () => {
    const groupId = stack.getLogicalId(fleetOf(stack).group.node.defaultChild as CfnElement);
    const deployments = Object.keys(template.findResources("Custom::CDKBucketDeployment"));
    const dependsOn = template.toJSON().Resources[groupId].DependsOn as string[];
    expect(deployments).toHaveLength(1);
    expect(dependsOn).toEqual(expect.arrayContaining(deployments));
  });
});

describe("CopyWorkers with 2-40 instances, on-demand base 1, idle 30 min", () => {
  const template = Template.fromStack(
    buildStack({
      minCapacity: 2,
      maxCapacity: 40,
      onDemandBaseCapacity: 1,
      idleMinutes: 30,
      workerInstanceTypes: ["m6i.xlarge", "m7i.xlarge"],
    }),
  );

  it("applies the settings to the group and the scale-in alarm", () => {
    template.hasResourceProperties("AWS::AutoScaling::AutoScalingGroup", {
      MinSize: "2",
      MaxSize: "40",
      MixedInstancesPolicy: Match.objectLike({
        InstancesDistribution: Match.objectLike({ OnDemandBaseCapacity: 1 }),
        LaunchTemplate: Match.objectLike({
          Overrides: [{ InstanceType: "m6i.xlarge" }, { InstanceType: "m7i.xlarge" }],
        }),
      }),
    });
    template.hasResourceProperties("AWS::AutoScaling::ScalingPolicy", {
      AdjustmentType: "ExactCapacity",
      StepAdjustments: [{ MetricIntervalUpperBound: 0, ScalingAdjustment: 2 }],
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Threshold: 0,
      EvaluationPeriods: 30,
    });
  });
});

describe("JobsenderHost", () => {
  const stack = buildStack();
  const template = Template.fromStack(stack);

  it("is one on-demand t3.small with IMDSv2 only", () => {
    const lt = stack.getLogicalId(
      stack.jobsender?.host.launchTemplate.node.defaultChild as CfnElement,
    );
    template.hasResourceProperties("AWS::AutoScaling::AutoScalingGroup", {
      MinSize: "1",
      MaxSize: "1",
      MixedInstancesPolicy: Match.absent(),
      LaunchTemplate: Match.objectLike({ LaunchTemplateId: { Ref: lt } }),
    });
    expect(template.toJSON().Resources[lt].Properties.LaunchTemplateData).toMatchObject({
      InstanceType: "t3.small",
      MetadataOptions: { HttpTokens: "required" },
    });
  });
});

describe("MigrationStack without a jobsender bundle", () => {
  const stack = buildStack({}, WORKER_ONLY_BUNDLE);
  const template = Template.fromStack(stack);

  it("deploys the fleet without a jobsender host and says why", () => {
    template.hasResourceProperties("AWS::AutoScaling::AutoScalingGroup", {
      MixedInstancesPolicy: Match.anyValue(),
    });
    template.resourcePropertiesCountIs("AWS::AutoScaling::AutoScalingGroup", { MaxSize: "1" }, 0);
    Annotations.fromStack(stack).hasWarning(
      "*",
      Match.stringLikeRegexp("jobsender.mjs is not in the bundle"),
    );
  });
});
