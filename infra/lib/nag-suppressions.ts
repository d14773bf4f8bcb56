import { type CfnElement, Validations } from "aws-cdk-lib";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type { IConstruct } from "constructs";
import { roleSideScopes } from "./bucket-grants.js";
import { DEPLOY_PREFIX } from "./host/host-script.js";
import type { MigrationStack } from "./migration-stack.js";
import { acknowledgeFunctions, acknowledgeSsmKey } from "./nag-functions.js";

/** The ids cdk-nag (AwsSolutions pack) reports, as `Validations.acknowledge` takes them. */
const nag = (rule: string): string => `AwsSolutions-${rule}`;

function ack(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: nag(rule), reason });
}

/** How cdk-nag names a stack bucket's ARN in a finding: `<LogicalId.Arn>`. */
function arnOf(stack: MigrationStack, bucket: s3.IBucket): string {
  return `<${stack.getLogicalId(bucket.node.defaultChild as CfnElement)}.Arn>`;
}

/**
 * cdk-nag AwsSolutions findings this stack accepts, each with its reason (listed in
 * infra/README.md). Acknowledged on the narrowest construct, never stack-wide, so a new
 * finding elsewhere still fails `infra/test/nag.test.ts`.
 */
export function addNagSuppressions(stack: MigrationStack): void {
  acknowledgeInstanceRoles(stack);
  acknowledgeWorkerDataAccess(stack);
  acknowledgeBucketsAndGroups(stack);
  acknowledgeFunctions(stack);
  acknowledgeCdkSingletons(stack);
}

/** Hosts: the two instance roles (when deployed, with the deploy bucket). */
function acknowledgeInstanceRoles(stack: MigrationStack): void {
  const roles = [stack.workers?.role, stack.jobsender?.role].filter((r) => r !== undefined);
  const code = stack.codeDelivery;
  if (code === undefined) return;
  for (const role of roles) {
    ack(
      role,
      "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]",
      "SSM Agent's own permissions (Run Command, Session Manager): how operators reach hosts without SSH or inbound ports; AWS maintains the action list. Its ssm:GetParameter(s) on * is cut down by the role's explicit Deny (ReadOnlyOwnParameters) to the bucket-map and credentials parameters.",
    );
    ack(
      role,
      "IAM5[Resource::*]",
      "cloudwatch:PutMetricData has no resource-level permission; the statement is limited by the cloudwatch:namespace condition to the agent's namespace.",
    );
    ack(
      role,
      `IAM5[Resource::${arnOf(stack, code.bucket)}/${DEPLOY_PREFIX}*]`,
      "Read of the deploy bucket's app/ prefix only (bundle and config, file names chosen at build time).",
    );
    acknowledgeSsmKey(stack, role);
  }
}

/** The worker roles' object wildcards (fleet, function): the bucket-map prefixes and the new-objects bucket. */
function acknowledgeWorkerDataAccess(stack: MigrationStack): void {
  const s = stack.settings;
  const roles = [stack.workers?.role, stack.workerFunction?.app.role].filter(
    (r) => r !== undefined,
  );
  for (const role of roles) {
    for (const scope of roleSideScopes(s.jobType, s.bucketMap)) {
      ack(
        role,
        `IAM5[Resource::arn:<AWS::Partition>:s3:::${scope.bucket}/${scope.prefix}*]`,
        "Objects under one bucket-map entry's prefix: the keys are the data being migrated, not known at synth.",
      );
    }
    if (stack.newObjects !== undefined)
      ack(
        role,
        `IAM5[Resource::${arnOf(stack, stack.newObjects.bucket)}/*]`,
        "The event path: any object written to the new-objects bucket is copied, so the worker reads all its keys.",
      );
  }
  if (stack.newObjects !== undefined) {
    ack(
      stack.newObjects.bucket,
      "S1",
      "Writers are the operator's own systems; object-level auditing, if wanted, belongs in CloudTrail data events rather than a second log bucket per stack.",
    );
  }
}

/** The deploy bucket's access logs and the Auto Scaling groups' notifications and volumes. */
function acknowledgeBucketsAndGroups(stack: MigrationStack): void {
  if (stack.codeDelivery)
    ack(
      stack.codeDelivery.bucket,
      "S1",
      "Holds only the bundle and config written by CloudFormation (BucketDeployment) and read by the instance roles; CloudTrail records the deployments.",
    );
  for (const group of [stack.workers?.group, stack.jobsender?.group]) {
    if (group === undefined) continue;
    ack(
      group,
      "AS3",
      "Launch and terminate errors go to the notification topic; successful launches and terminations of a Spot fleet that scales with the queue would be e-mail noise (the dashboard shows capacity).",
    );
  }
  if (stack.workers)
    ack(
      stack.workers.group,
      "EC26",
      "The rule cannot follow the mixed-instances launch template reference; the launch template's root volume is encrypted (asserted in infra/test/copy-workers.test.ts).",
    );
}

/** CDK's own singleton Lambdas: BucketDeployment and the bucket-notifications handler. */
function acknowledgeCdkSingletons(stack: MigrationStack): void {
  for (const child of stack.node.children) {
    const id = child.node.id;
    if (
      !id.startsWith("Custom::CDKBucketDeployment") &&
      !id.startsWith("BucketNotificationsHandler")
    )
      continue;
    ack(
      child,
      "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
      "CDK-provided deployment-time Lambda: writes its own logs only.",
    );
    if (id.startsWith("Custom::CDKBucketDeployment")) acknowledgeBucketDeployment(stack, child);
  }
}

function acknowledgeBucketDeployment(stack: MigrationStack, handler: IConstruct): void {
  for (const finding of [
    "Action::s3:GetObject*",
    "Action::s3:GetBucket*",
    "Action::s3:List*",
    "Action::s3:DeleteObject*",
    "Action::s3:Abort*",
    "Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*",
    ...(stack.codeDelivery ? [`Resource::${arnOf(stack, stack.codeDelivery.bucket)}/*`] : []),
  ]) {
    ack(
      handler,
      `IAM5[${finding}]`,
      "CDK BucketDeployment's handler: copies the asset zip from the CDK staging bucket into the deploy bucket (grants made by aws-cdk-lib).",
    );
  }
  ack(
    handler,
    "L1",
    "The BucketDeployment handler's runtime is chosen by aws-cdk-lib (pinned by its version), not by this stack.",
  );
}
