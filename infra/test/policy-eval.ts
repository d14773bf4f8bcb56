import type { Stack } from "aws-cdk-lib";
import type { Template } from "aws-cdk-lib/assertions";
import type * as iam from "aws-cdk-lib/aws-iam";
import { renderCfnText } from "./template-text.js";

/** A policy statement as the template holds it, values rendered as text ({@link renderCfnText}). */
export interface EvalStatement {
  readonly Effect: "Allow" | "Deny";
  readonly Action: string[];
  readonly Resource?: string[];
  readonly NotResource?: string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** One request: an action on a resource (a value CDK builds, e.g. an ARN token), with context keys. */
export interface EvalRequest {
  readonly action: string;
  readonly resource: unknown;
  readonly context?: Readonly<Record<string, string>>;
}

/**
 * The parameter reads of the AWS managed policy AmazonSSMManagedInstanceCore (v2, as AWS
 * publishes it): `ssm:GetParameter` and `ssm:GetParameters` on every resource.
 */
export const SSM_MANAGED_INSTANCE_CORE_PARAMETER_READS: EvalStatement = {
  Effect: "Allow",
  Action: ["ssm:GetParameter", "ssm:GetParameters"],
  Resource: ["*"],
};

const list = (v: unknown): string[] =>
  v === undefined ? [] : [v].flat().map((x) => renderCfnText(x));

/** The statements of every inline policy attached to `role`. */
export function roleStatements(template: Template, stack: Stack, role: iam.IRole): EvalStatement[] {
  const ref = JSON.stringify(stack.resolve(role.roleName));
  const out: EvalStatement[] = [];
  for (const policy of Object.values(template.findResources("AWS::IAM::Policy"))) {
    if (!JSON.stringify(policy.Properties.Roles).includes(ref)) continue;
    for (const st of policy.Properties.PolicyDocument.Statement) {
      out.push({
        Effect: st.Effect,
        Action: list(st.Action),
        ...(st.Resource === undefined ? {} : { Resource: list(st.Resource) }),
        ...(st.NotResource === undefined ? {} : { NotResource: list(st.NotResource) }),
        ...(st.Condition === undefined ? {} : { Condition: st.Condition }),
      });
    }
  }
  return out;
}

/** IAM's `*` and `?` wildcards. */
function glob(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`, "s").test(value);
}

/** StringEquals / StringLike only; any other operator throws, so a test cannot pass on it by accident. */
function conditionsHold(st: EvalStatement, context: Readonly<Record<string, string>>): boolean {
  return Object.entries(st.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => {
      const value = context[key];
      if (value === undefined) return false;
      const values = list(expected);
      if (operator === "StringEquals") return values.includes(value);
      if (operator === "StringLike") return values.some((p) => glob(p, value));
      throw new Error(`policy-eval: condition operator ${operator} is not modelled`);
    }),
  );
}

function applies(
  st: EvalStatement,
  action: string,
  resource: string,
  context: Record<string, string>,
) {
  if (!st.Action.some((a) => glob(a, action))) return false;
  const inResource =
    st.NotResource !== undefined
      ? !st.NotResource.some((r) => glob(r, resource))
      : (st.Resource ?? []).some((r) => glob(r, resource));
  return inResource && conditionsHold(st, context);
}

/**
 * IAM's verdict for one identity-policy request (no resource policy, no boundary): allowed when
 * an Allow statement applies and no Deny statement does.
 */
export function isAllowed(statements: readonly EvalStatement[], request: EvalRequest): boolean {
  const resource = renderCfnText(request.resource);
  const context = { ...request.context };
  const matching = statements.filter((st) => applies(st, request.action, resource, context));
  return (
    matching.some((st) => st.Effect === "Allow") && !matching.some((st) => st.Effect === "Deny")
  );
}
