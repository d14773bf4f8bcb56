import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import type * as iam from "aws-cdk-lib/aws-iam";
import { describe, expect, it } from "vitest";
import { buildAppIni } from "../lib/app-ini.js";
import type { MigrationStack } from "../lib/migration-stack.js";
import { codeAssetFiles, resourcesOf } from "./lambda-fixture.js";
import { roleStatements } from "./policy-eval.js";
import { buildStack, WORKER_ONLY_BUNDLE } from "./stack-fixture.js";
import { userDataByTemplate } from "./template-text.js";

function jobsenderFunctionOf(stack: MigrationStack) {
  if (stack.jobsenderFunction === undefined) throw new Error("the stack has no jobsender function");
  return stack.jobsenderFunction;
}

describe("jobsenderMode lambda", () => {
  const stack = buildStack({
    jobsenderMode: "lambda",
    jobsenderScheduleExpression: "cron(0 2 * * ? *)",
    jobsenderLambdaMemoryMiB: 1024,
    jobsenderLambdaTimeoutSeconds: 600,
    ignorePatterns: ["global-src-a/tmp/*"],
  });
  const template = Template.fromStack(stack);
  const jobsender = jobsenderFunctionOf(stack);

  it("runs the jobsender handler one at a time, with the memory and timeout set", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Handler: "jobsender-lambda.handler",
      Runtime: "nodejs22.x",
      MemorySize: 1024,
      Timeout: 600,
      ReservedConcurrentExecutions: 1,
      Role: stack.resolve(jobsender.app.role.roleArn),
    });
  });

  it("invokes it from an EventBridge rule on the schedule expression, without retries", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "cron(0 2 * * ? *)",
      State: "ENABLED",
      Targets: [
        Match.objectLike({
          Arn: stack.resolve(jobsender.app.fn.functionArn),
          RetryPolicy: { MaximumRetryAttempts: 0 },
        }),
      ],
    });
    template.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      Principal: "events.amazonaws.com",
      SourceArn: stack.resolve(jobsender.rule.ruleArn),
    });
    template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      FunctionName: stack.resolve(jobsender.app.fn.functionName),
      MaximumRetryAttempts: 0,
    });
    const rule = resourcesOf(template, "AWS::Events::Rule")[0]?.[1];
    expect(rule?.DependsOn).toEqual(
      expect.arrayContaining([stack.resolve(jobsender.app.logGroup.logGroupName).Ref]),
    );
  });

  it("deploys no jobsender host: no second group, no jobsender timer in any user data", () => {
    expect(stack.jobsender).toBeUndefined();
    template.resourceCountIs("AWS::AutoScaling::AutoScalingGroup", 1);
    template.hasResourceProperties("AWS::AutoScaling::AutoScalingGroup", {
      MixedInstancesPolicy: Match.anyValue(),
    });
    for (const userData of Object.values(userDataByTemplate(template))) {
      expect(userData).not.toContain("s3-migration-jobsender.timer");
    }
    expect(Object.keys(template.findOutputs("*"))).toContain("JobsenderFunctionName");
    expect(Object.keys(template.findOutputs("*"))).not.toContain("JobsenderGroupName");
  });

  it("ships the generated ini and the ignore list beside the handler", () => {
    const files = codeAssetFiles(template, stack, jobsender.app.fn);
    expect(Object.keys(files).sort()).toEqual([
      "jobsender-lambda.mjs",
      "s3_migration_config.ini",
      "s3_migration_ignore_list.txt",
    ]);
    expect(files["s3_migration_config.ini"]).toBe(buildAppIni(stack.settings));
    expect(files["s3_migration_ignore_list.txt"]).toBe("global-src-a/tmp/*\n");
  });

  it("grants the function what the jobsender host gets, less the deploy bucket", () => {
    // Prepare: the same stack with the host, for its role's grants.
    const hostStack = buildStack({ ignorePatterns: ["global-src-a/tmp/*"] });
    const hostTemplate = Template.fromStack(hostStack);
    const grants = (t: Template, s: MigrationStack, role: iam.IRole) =>
      roleStatements(t, s, role)
        .filter(
          (st) => st.Effect === "Allow" && !st.Action.some((a) => /^(logs|cloudwatch):/.test(a)),
        )
        .map((st) => JSON.stringify([st.Action, st.Resource, st.Condition]))
        .filter((g) => !g.includes("CodeBucket"));
    // Assess
    const fnGrants = grants(template, stack, jobsender.app.role);
    expect(fnGrants.sort()).toEqual(
      grants(hostTemplate, hostStack, hostStack.jobsender?.role as iam.IRole).sort(),
    );
    expect(fnGrants.join()).toContain("sqs:SendMessage");
    expect(fnGrants.join()).toContain("s3:ListBucket");
    expect(fnGrants.join()).not.toContain("CodeBucket");
  });
});

describe("jobsenderMode lambda before its handler is bundled", () => {
  const stack = buildStack({ jobsenderMode: "lambda" }, WORKER_ONLY_BUNDLE);

  it("deploys no jobsender function and says why", () => {
    expect(stack.jobsenderFunction).toBeUndefined();
    Template.fromStack(stack).resourceCountIs("AWS::Events::Rule", 0);
    Annotations.fromStack(stack).hasWarning(
      "*",
      Match.stringLikeRegexp("jobsender-lambda\\.mjs is not in the bundle"),
    );
  });
});

describe("jobsenderMode host (the default)", () => {
  const stack = buildStack();

  it("deploys no schedule rule and no jobsender function", () => {
    expect(stack.jobsenderFunction).toBeUndefined();
    Template.fromStack(stack).resourceCountIs("AWS::Events::Rule", 0);
    Template.fromStack(stack).resourcePropertiesCountIs(
      "AWS::Lambda::Function",
      { Handler: "jobsender-lambda.handler" },
      0,
    );
  });
});
