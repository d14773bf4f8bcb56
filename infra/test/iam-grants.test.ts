import { Aws, type Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import type * as iam from "aws-cdk-lib/aws-iam";
import { describe, expect, it } from "vitest";
import { buildStack, codeOf, fleetOf } from "./stack-fixture.js";

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** Every action the role's inline policies allow, with the resources of each. */
function allowedActions(template: Template, stack: Stack, role: iam.IRole): Map<string, unknown[]> {
  const ref = stack.resolve(role.roleName);
  const out = new Map<string, unknown[]>();
  for (const policy of Object.values(template.findResources("AWS::IAM::Policy"))) {
    if (!JSON.stringify(policy.Properties.Roles).includes(JSON.stringify(ref))) continue;
    for (const st of policy.Properties.PolicyDocument.Statement as Statement[]) {
      for (const action of [st.Action].flat()) {
        out.set(action, [...(out.get(action) ?? []), ...[st.Resource].flat()]);
      }
    }
  }
  return out;
}

/** `hasResourceProperties` for one statement of the role's policy. */
function expectStatement(
  template: Template,
  stack: Stack,
  role: iam.IRole,
  statement: object,
): void {
  template.hasResourceProperties("AWS::IAM::Policy", {
    Roles: Match.arrayWith([stack.resolve(role.roleName)]),
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike(statement)]) },
  });
}

describe("IAM for jobType PUT (fleet in the source's partition)", () => {
  const stack = buildStack({ jobType: "PUT" });
  const template = Template.fromStack(stack);
  const s3 = (rest: string) => stack.resolve(`arn:${Aws.PARTITION}:s3:::${rest}`);
  const worker = fleetOf(stack).role;
  const jobsender = stack.jobsender?.role as iam.IRole;

  it("lets the worker read source objects under each entry's prefix, with partition-aware ARNs", () => {
    expectStatement(template, stack, worker, {
      Action: Match.arrayWith(["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging"]),
      Resource: [s3("global-src-a/*"), s3("global-src-b/logs/*")],
    });
    expectStatement(template, stack, worker, {
      Action: Match.arrayWith(["s3:ListBucket"]),
      Resource: [s3("global-src-a"), s3("global-src-b")],
    });
  });

  it("gives the worker no S3 write and nothing on the destination buckets (written with the stored key)", () => {
    const actions = allowedActions(template, stack, worker);
    for (const write of ["s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject"]) {
      expect(actions.has(write), write).toBe(false);
    }
    expect(JSON.stringify([...actions.values()])).not.toMatch(/china-dst/);
  });

  it("lets the worker consume the queue, write status items and read both parameters", () => {
    expectStatement(template, stack, worker, {
      Action: Match.arrayWith([
        "sqs:ReceiveMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
      ]),
      Resource: stack.resolve(stack.jobQueue.queue.queueArn),
    });
    expectStatement(template, stack, worker, {
      Action: [
        "dynamodb:DescribeTable",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
      ],
    });
    expectStatement(template, stack, worker, {
      Action: Match.arrayWith(["ssm:GetParameter"]),
      Resource: stack.resolve(stack.parameters.credentials.parameterArn),
    });
    expectStatement(template, stack, worker, {
      Action: "kms:Decrypt",
      Condition: {
        StringEquals: { "kms:ViaService": stack.resolve(`ssm.${Aws.REGION}.${Aws.URL_SUFFIX}`) },
      },
    });
  });

  it("lets the worker send to the job queue: a giant object's slices are messages (split-object.ts)", () => {
    expectStatement(template, stack, worker, {
      Action: Match.arrayWith(["sqs:SendMessage"]),
      Resource: stack.resolve(stack.jobQueue.queue.queueArn),
    });
  });

  it("lets the jobsender list the source buckets (under the entry's prefix) and send jobs, but not consume or copy", () => {
    expectStatement(template, stack, jobsender, {
      Action: ["s3:ListBucket", "s3:ListBucketVersions"],
      Resource: s3("global-src-b"),
      Condition: { StringLike: { "s3:prefix": ["logs/*"] } },
    });
    expectStatement(template, stack, jobsender, {
      Action: ["s3:ListBucket", "s3:ListBucketVersions"],
      Resource: s3("global-src-a"),
      Condition: Match.absent(),
    });
    expectStatement(template, stack, jobsender, {
      Action: "s3:GetBucketLocation",
      Resource: [s3("global-src-a"), s3("global-src-b")],
    });
    expectStatement(template, stack, jobsender, {
      Action: Match.arrayWith(["sqs:SendMessage"]),
      Resource: stack.resolve(stack.jobQueue.queue.queueArn),
    });
    const actions = allowedActions(template, stack, jobsender);
    for (const denied of [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "dynamodb:UpdateItem",
      "s3:PutObject",
    ]) {
      expect(actions.has(denied), denied).toBe(false);
    }
    // Its only object read is the deploy bucket's app/ prefix.
    expect(actions.get("s3:GetObject")).toEqual([
      stack.resolve(codeOf(stack).bucket.arnForObjects("app/*")),
    ]);
  });

  it("uses no hard-coded partition in any policy", () => {
    const policies = JSON.stringify(template.findResources("AWS::IAM::Policy"));
    expect(policies).not.toMatch(/arn:aws:|arn:aws-cn:/);
  });
});

describe("IAM for jobType GET (fleet in the destination's partition)", () => {
  const stack = buildStack({ jobType: "GET" });
  const template = Template.fromStack(stack);
  const s3 = (rest: string) => stack.resolve(`arn:${Aws.PARTITION}:s3:::${rest}`);
  const worker = fleetOf(stack).role;

  it("lets the worker write destination objects with multipart uploads under each entry's prefix", () => {
    expectStatement(template, stack, worker, {
      Action: Match.arrayWith([
        "s3:PutObject",
        "s3:GetObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
      ]),
      Resource: [s3("china-dst-a/*"), s3("china-dst-b/archive/*")],
    });
    expectStatement(template, stack, worker, {
      Action: Match.arrayWith(["s3:ListBucket", "s3:ListBucketMultipartUploads"]),
      Resource: [s3("china-dst-a"), s3("china-dst-b")],
    });
  });

  it("gives the worker nothing on the source buckets (read with the stored key)", () => {
    const actions = allowedActions(template, stack, worker);
    expect(JSON.stringify([...actions.values()])).not.toMatch(/global-src/);
  });

  it("lets the jobsender list the destination buckets, china-dst-b under archive/ only", () => {
    const jobsender = stack.jobsender?.role as iam.IRole;
    expectStatement(template, stack, jobsender, {
      Action: ["s3:ListBucket", "s3:ListBucketVersions"],
      Resource: s3("china-dst-b"),
      Condition: { StringLike: { "s3:prefix": ["archive/*"] } },
    });
    expectStatement(template, stack, jobsender, {
      Action: ["s3:ListBucket", "s3:ListBucketVersions"],
      Resource: s3("china-dst-a"),
      Condition: Match.absent(),
    });
  });
});
