import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import type * as iam from "aws-cdk-lib/aws-iam";
import { describe, expect, it } from "vitest";
import { buildAppIni } from "../lib/app-ini.js";
import type { MigrationStack } from "../lib/migration-stack.js";
import { codeAssetFiles, functionResource, resourcesOf } from "./lambda-fixture.js";
import { roleStatements } from "./policy-eval.js";
import { buildStack, FIXTURE_BUNDLE, fleetOf } from "./stack-fixture.js";

/** The worker function's parts (fails the test when the mode has none). */
function workerFunctionOf(stack: MigrationStack) {
  if (stack.workerFunction === undefined) throw new Error("the stack has no worker function");
  return stack.workerFunction.app;
}

describe("workerMode lambda (with the Lambda jobsender: no host at all)", () => {
  const stack = buildStack({
    workerMode: "lambda",
    jobsenderMode: "lambda",
    workerLambdaMemoryMiB: 4096,
    workerLambdaTimeoutSeconds: 600,
    workerLambdaReservedConcurrency: 20,
    workerLambdaBatchSize: 5,
    nodejsMajorVersion: 24,
  });
  const template = Template.fromStack(stack);
  const worker = workerFunctionOf(stack);
  const queueArn = stack.resolve(stack.jobQueue.queue.queueArn);

  it("deploys the worker handler on the runtime of nodejsMajorVersion, with the memory, timeout and reserved concurrency set", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Handler: "worker-lambda.handler",
      Runtime: "nodejs24.x",
      MemorySize: 4096,
      Timeout: 600,
      ReservedConcurrentExecutions: 20,
      Role: stack.resolve(worker.role.roleArn),
      Environment: { Variables: { NODE_OPTIONS: "--enable-source-maps" } },
    });
    // Outside any VPC: it reaches the other partition over the internet.
    expect(functionResource(template, stack, worker.fn).Properties.VpcConfig).toBeUndefined();
  });

  it("consumes the job queue with partial batch responses, the batch size, and at most the reserved concurrency", () => {
    template.resourceCountIs("AWS::Lambda::EventSourceMapping", 1);
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: stack.resolve(worker.fn.functionName),
      EventSourceArn: queueArn,
      BatchSize: 5,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      ScalingConfig: { MaximumConcurrency: 20 },
      MaximumBatchingWindowInSeconds: Match.absent(),
    });
  });

  it("keeps the queue invisible for at least 6 × the function timeout, and the DLQ redrive as it was", () => {
    // Prepare
    const queueId = stack.resolve(stack.jobQueue.queue.queueName)["Fn::GetAtt"][0];
    const queue = resourcesOf(template, "AWS::SQS::Queue").find(([id]) => id === queueId)?.[1];
    const timeout = functionResource(template, stack, worker.fn).Properties.Timeout as number;
    // Assess
    expect(queue?.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
    expect(queue?.Properties.VisibilityTimeout).toBe(3600);
    expect(queue?.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: stack.resolve(stack.jobQueue.deadLetterQueue.queueArn),
      maxReceiveCount: 24,
    });
  });

  it("deploys no EC2 fleet, no network and no deploy bucket when no host runs", () => {
    expect(stack.workers).toBeUndefined();
    for (const type of [
      "AWS::AutoScaling::AutoScalingGroup",
      "AWS::EC2::LaunchTemplate",
      "AWS::EC2::VPC",
      "Custom::CDKBucketDeployment",
    ]) {
      template.resourceCountIs(type, 0);
    }
    expect(Object.keys(template.findOutputs("*"))).toEqual(
      expect.arrayContaining(["WorkerFunctionName", "WorkerFunctionLogGroupName", "QueueUrl"]),
    );
    expect(Object.keys(template.findOutputs("*"))).not.toContain("WorkerGroupName");
  });

  it("ships the bundled handler and the generated ini at the root of the code asset", () => {
    // Act
    const files = codeAssetFiles(template, stack, worker.fn);
    // Assess
    expect(Object.keys(files).sort()).toEqual(["s3_migration_config.ini", "worker-lambda.mjs"]);
    expect(files["s3_migration_config.ini"]).toBe(buildAppIni(stack.settings));
    expect(files["worker-lambda.mjs"]).toBe(
      readFileSync(join(FIXTURE_BUNDLE, "worker-lambda.mjs"), "utf8"),
    );
  });

  it("writes to its own retained log group, and starts consuming only once it and the grant exist", () => {
    const logGroupId = stack.resolve(worker.logGroup.logGroupName).Ref;
    const logs = template.toJSON().Resources[logGroupId];
    expect(logs.DeletionPolicy).toBe("Retain");
    expect(logs.Properties.LogGroupName).toEqual({
      "Fn::Join": ["", ["/aws/lambda/", stack.resolve(worker.fn.functionName)]],
    });
    const mapping = resourcesOf(template, "AWS::Lambda::EventSourceMapping")[0]?.[1];
    const logWriteId = stack.getLogicalId(worker.logWrite.node.defaultChild as never);
    expect(mapping?.DependsOn).toEqual(expect.arrayContaining([logGroupId, logWriteId]));
  });

  it("e-mails 'batch finished' when the queue has drained, with no fleet to scale in", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      AlarmDescription: Match.stringLikeRegexp("^Batch finished"),
      AlarmActions: [stack.resolve(stack.notifications.topic.topicArn)],
    });
  });
});

describe("workerMode lambda with the jobsender host", () => {
  const stack = buildStack({ workerMode: "lambda" });
  const template = Template.fromStack(stack);

  it("keeps the network, deploy bucket and jobsender group of 1, and no worker fleet", () => {
    template.resourceCountIs("AWS::AutoScaling::AutoScalingGroup", 1);
    template.hasResourceProperties("AWS::AutoScaling::AutoScalingGroup", {
      MinSize: "1",
      MaxSize: "1",
      MixedInstancesPolicy: Match.absent(),
    });
    template.resourceCountIs("AWS::EC2::VPC", 1);
    template.resourceCountIs("Custom::CDKBucketDeployment", 1);
    expect(stack.jobsender).toBeDefined();
    expect(stack.workers).toBeUndefined();
  });
});

describe("workerMode hybrid", () => {
  const stack = buildStack({ workerMode: "hybrid", eventSource: { destinationBucket: "dst" } });
  const template = Template.fromStack(stack);
  const worker = workerFunctionOf(stack);

  it("runs the fleet and the function on the same job queue", () => {
    const queueArn = stack.resolve(stack.jobQueue.queue.queueArn);
    template.hasResourceProperties("AWS::AutoScaling::AutoScalingGroup", {
      MixedInstancesPolicy: Match.anyValue(),
    });
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      EventSourceArn: queueArn,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
    template.hasResourceProperties("AWS::AutoScaling::ScalingPolicy", {
      PolicyType: "StepScaling",
    });
    template.hasResourceProperties("AWS::SQS::Queue", {
      QueueName: "s3_migration_file_list",
      VisibilityTimeout: 5400,
    });
  });

  it("grants the function exactly the fleet's data access: no deploy bucket, no agent, only its own logs", () => {
    // Prepare: every Allow as "action on resource [if condition]".
    const grants = (role: iam.IRole) =>
      roleStatements(template, stack, role)
        .filter((st) => st.Effect === "Allow")
        .flatMap((st) =>
          st.Action.flatMap((a) =>
            (st.Resource ?? []).map((r) => `${a} on ${r} ${JSON.stringify(st.Condition ?? {})}`),
          ),
        );
    const fleet = grants(fleetOf(stack).role);
    const fn = grants(worker.role);
    const deployBucket = stack.getLogicalId(stack.codeDelivery?.bucket.node.defaultChild as never);
    const hostOnly = (g: string) => g.includes(deployBucket) || /^(logs|cloudwatch):/.test(g);
    // Assess
    expect(fleet.filter((g) => !hostOnly(g)).sort()).toEqual(
      fn.filter((g) => !g.startsWith("logs:")).sort(),
    );
    expect(fn.filter((g) => !g.includes("NewObjects"))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^sqs:ReceiveMessage on /),
        expect.stringMatching(/^sqs:SendMessage on /),
        expect.stringMatching(/^dynamodb:UpdateItem on /),
        expect.stringMatching(/^ssm:GetParameter on /),
        expect.stringMatching(
          /^s3:GetObject on arn:\{Ref:AWS::Partition\}:s3:::global-src-b\/logs\/\*/,
        ),
      ]),
    );
    expect(fn).toEqual(
      expect.arrayContaining([expect.stringMatching(/^s3:GetObject on .*NewObjects/)]),
    );
    expect(fn.filter((g) => g.startsWith("logs:"))).toEqual([
      `logs:CreateLogStream on {GetAtt:${stack.resolve(worker.logGroup.logGroupName).Ref}.Arn} {}`,
      `logs:PutLogEvents on {GetAtt:${stack.resolve(worker.logGroup.logGroupName).Ref}.Arn} {}`,
    ]);
  });

  it("uploads the host programs to the deploy bucket, and not the Lambda handlers", () => {
    // Prepare: the BucketDeployment's first source is the bundle folder, staged as asset.<hash>.
    const deployment = resourcesOf(template, "Custom::CDKBucketDeployment")[0]?.[1];
    const [bundleZip] = (deployment?.Properties.SourceObjectKeys ?? []) as string[];
    const dir = join(
      (stack.node.root as App).synth().directory,
      `asset.${bundleZip?.replace(/\.zip$/, "")}`,
    );
    // Assess
    expect(readdirSync(dir).sort()).toEqual(["jobsender.mjs", "worker.mjs"]);
  });

  it("uses no managed policy on the function's role", () => {
    const roleId = stack.resolve(worker.role.roleName).Ref;
    expect(template.toJSON().Resources[roleId].Properties.ManagedPolicyArns).toBeUndefined();
  });
});

describe("workerMode fleet (the default)", () => {
  const stack = buildStack();
  const template = Template.fromStack(stack);

  it("deploys no worker function and keeps the fleet's 300 s visibility", () => {
    expect(stack.workerFunction).toBeUndefined();
    template.resourceCountIs("AWS::Lambda::EventSourceMapping", 0);
    template.resourcePropertiesCountIs(
      "AWS::Lambda::Function",
      { Handler: "worker-lambda.handler" },
      0,
    );
    template.hasResourceProperties("AWS::SQS::Queue", {
      QueueName: "s3_migration_file_list",
      VisibilityTimeout: 300,
    });
  });
});

describe("a worker function without its bundle", () => {
  it("fails the synth, naming the missing file", () => {
    const missing = join(FIXTURE_BUNDLE, "..", "no-such-bundle");
    expect(() => buildStack({ workerMode: "lambda" }, missing)).toThrow(/worker-lambda\.mjs/);
  });
});
