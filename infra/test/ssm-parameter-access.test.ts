import { Arn, Aws } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import type * as iam from "aws-cdk-lib/aws-iam";
import { describe, expect, it } from "vitest";
import { PARAMETER_READ_ACTIONS } from "../lib/constructs/app-host-template.js";
import {
  type EvalStatement,
  isAllowed,
  roleStatements,
  SSM_MANAGED_INSTANCE_CORE_PARAMETER_READS,
} from "./policy-eval.js";
import { buildStack, fleetOf } from "./stack-fixture.js";
import { renderCfnText } from "./template-text.js";

describe("SSM parameter reads of the instance roles", () => {
  const stack = buildStack({ bucketMapParameterName: "/team/s3mig/buckets" });
  const template = Template.fromStack(stack);
  const ownArns = [
    stack.resolve(stack.parameters.bucketMap.parameterArn),
    stack.resolve(stack.parameters.credentials.parameterArn),
  ];
  const otherParameter = (name: string) =>
    stack.resolve(Arn.format({ service: "ssm", resource: "parameter", resourceName: name }, stack));
  const roles: [string, iam.IRole][] = [
    ["worker", fleetOf(stack).role],
    ["jobsender", stack.jobsender?.role as iam.IRole],
  ];

  /** The role's inline statements plus the managed policy's parameter reads it is attached to. */
  function effective(role: iam.IRole): EvalStatement[] {
    const { Ref: roleId } = stack.resolve(role.roleName) as { Ref: string };
    expect(template.toJSON().Resources[roleId].Properties.ManagedPolicyArns).toContainEqual(
      stack.resolve(`arn:${Aws.PARTITION}:iam::aws:policy/AmazonSSMManagedInstanceCore`),
    );
    return [...roleStatements(template, stack, role), SSM_MANAGED_INSTANCE_CORE_PARAMETER_READS];
  }

  it.each(roles)(
    "lets the %s read the bucket map and the credentials, and no other parameter",
    (_, role) => {
      // Prepare
      const statements = effective(role);
      // Act
      const verdict = (action: string, resource: unknown) =>
        isAllowed(statements, { action, resource });
      // Assess
      for (const action of ["ssm:GetParameter", "ssm:GetParameters"]) {
        for (const own of ownArns) expect(verdict(action, own), `${action} own`).toBe(true);
        for (const name of ["s3_migration_credentials_other", "prod/db/password", "team/s3mig"]) {
          expect(verdict(action, otherParameter(name)), `${action} ${name}`).toBe(false);
        }
      }
    },
  );

  it.each(roles)(
    "denies the %s every parameter read outside exactly its two parameters",
    (_, role) => {
      // Assess: one Deny naming every read action, with exactly the two ARNs as NotResource.
      template.hasResourceProperties("AWS::IAM::Policy", {
        Roles: Match.arrayWith([stack.resolve(role.roleName)]),
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Sid: "ReadOnlyOwnParameters",
              Effect: "Deny",
              Action: PARAMETER_READ_ACTIONS,
              NotResource: ownArns,
            },
          ]),
        },
      });
      expect(PARAMETER_READ_ACTIONS).toEqual(
        expect.arrayContaining([
          ...SSM_MANAGED_INSTANCE_CORE_PARAMETER_READS.Action,
          "ssm:GetParametersByPath",
        ]),
      );
    },
  );

  it("names the two parameters by partition-aware ARNs, a leading-slash name without a double slash", () => {
    // Prepare: Ref of an AWS::SSM::Parameter is its name.
    const { Ref: mapId } = stack.resolve(stack.parameters.bucketMap.parameterName) as {
      Ref: string;
    };
    // Act
    const rendered = ownArns.map((arn) =>
      renderCfnText(arn).replace(`{Ref:${mapId}}`, "/team/s3mig/buckets"),
    );
    // Assess
    const prefix = "arn:{Ref:AWS::Partition}:ssm:{Ref:AWS::Region}:{Ref:AWS::AccountId}:parameter/";
    expect(rendered).toEqual([`${prefix}team/s3mig/buckets`, `${prefix}s3_migration_credentials`]);
  });
});
