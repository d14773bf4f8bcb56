import { Match, Template } from "aws-cdk-lib/assertions";
import type * as logs from "aws-cdk-lib/aws-logs";
import { describe, expect, it } from "vitest";
import { buildStack, fleetOf } from "./stack-fixture.js";
import { userDataByTemplate } from "./template-text.js";

/** CloudFormation's Ref / Fn::Join / Fn::Split / Fn::Select, with the given pseudo parameters. */
function evaluate(value: unknown, refs: Readonly<Record<string, string>>): string | string[] {
  if (typeof value === "string") return value;
  const o = value as Record<string, unknown>;
  if (typeof o.Ref === "string") {
    const resolved = refs[o.Ref];
    if (resolved === undefined) throw new Error(`no value for Ref ${o.Ref}`);
    return resolved;
  }
  const text = (v: unknown): string => String(evaluate(v, refs));
  if ("Fn::Join" in o) {
    const [sep, parts] = o["Fn::Join"] as [string, unknown[]];
    return parts.map(text).join(sep);
  }
  if ("Fn::Split" in o) {
    const [sep, source] = o["Fn::Split"] as [string, unknown];
    return text(source).split(sep);
  }
  if ("Fn::Select" in o) {
    const [index, list] = o["Fn::Select"] as [number, unknown];
    return (evaluate(list, refs) as string[])[index] ?? "";
  }
  throw new Error(`cannot evaluate ${JSON.stringify(value)}`);
}

const stackId = (uuid: string): string =>
  `arn:aws-cn:cloudformation:cn-north-1:111122223333:stack/S3Migration/${uuid}`;
const FIRST = "1a2b3c4d-5678-90ab-cdef-111111111111";
const SECOND = "9f8e7d6c-5678-90ab-cdef-222222222222";

describe("application log group names (retainData keeps the log groups)", () => {
  const stack = buildStack({ retainData: true, tableQueueName: "batch_7" });
  const template = Template.fromStack(stack);
  const groups: [string, logs.LogGroup][] = [
    ["worker", fleetOf(stack).logGroup],
    ["jobsender", stack.jobsender?.logGroup as logs.LogGroup],
  ];
  const resourceOf = (group: logs.LogGroup) => {
    const { Ref: id } = stack.resolve(group.logGroupName) as { Ref: string };
    return { id, resource: template.toJSON().Resources[id] };
  };

  it.each(groups)(
    "gives the %s log group a new name for each new stack, so a redeploy after destroy does not collide",
    (program, group) => {
      // Prepare
      const { resource } = resourceOf(group);
      const nameIn = (uuid: string) =>
        evaluate(resource.Properties.LogGroupName, { "AWS::StackId": stackId(uuid) });
      // Act
      const [first, second] = [nameIn(FIRST), nameIn(SECOND)];
      // Assess: the kept group of the destroyed stack and the new one differ.
      expect(resource.DeletionPolicy).toBe("Retain");
      expect(first).toBe(`/s3-migration/batch_7/${program}-1a2b3c4d`);
      expect(second).toBe(`/s3-migration/batch_7/${program}-9f8e7d6c`);
    },
  );

  it.each(groups)(
    "makes the %s agent config, its write grant and the stack output name that same group",
    (program, group) => {
      // Prepare
      const { id } = resourceOf(group);
      const userData = Object.values(userDataByTemplate(template)).filter((u) =>
        u.includes(`{Ref:${id}}`),
      );
      // Assess: one launch template ships to it; the output gives operators its name.
      expect(userData).toHaveLength(1);
      template.hasResourceProperties("AWS::IAM::Policy", {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Sid: "AgentShipsAppLog", Resource: { "Fn::GetAtt": [id, "Arn"] } }),
          ]),
        },
      });
      const output = program === "worker" ? "WorkerLogGroupName" : "JobsenderLogGroupName";
      template.hasOutput(output, { Value: { Ref: id } });
    },
  );
});
