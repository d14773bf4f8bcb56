import { Validations } from "aws-cdk-lib";
import type * as iam from "aws-cdk-lib/aws-iam";
import type { MigrationStack } from "./migration-stack.js";
import { NODEJS_MAJOR_VERSIONS } from "./settings-checks.js";

/**
 * The worker and jobsender functions' accepted findings (their object wildcards are
 * acknowledged with the fleet's, in nag-suppressions.ts): the `aws/ssm` key of the credentials,
 * and a runtime other than the newest Node.js when `nodejsMajorVersion` says so.
 */
export function acknowledgeFunctions(stack: MigrationStack): void {
  const latest = Math.max(...NODEJS_MAJOR_VERSIONS);
  for (const app of [stack.workerFunction?.app, stack.jobsenderFunction?.app]) {
    if (app === undefined) continue;
    acknowledgeSsmKey(stack, app.role);
    if (stack.settings.nodejsMajorVersion !== latest)
      Validations.of(app.fn).acknowledge({
        id: "AwsSolutions-L1",
        reason: `The runtime is nodejs${stack.settings.nodejsMajorVersion}.x on purpose: nodejsMajorVersion, the Node.js the hosts run and the bundle targets, so one version is tested. Set nodejsMajorVersion to ${latest} for the newest (check the region offers nodejs${latest}.x).`,
      });
  }
}

/** The credentials' `kms:Decrypt` on the account's keys, when no customer key is named. */
export function acknowledgeSsmKey(stack: MigrationStack, role: iam.IRole): void {
  if (stack.settings.credentialsKmsKeyArn !== undefined) return;
  Validations.of(role).acknowledge({
    id: "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]",
    reason:
      "Decrypt of the credentials SecureString with the account's aws/ssm key, whose id is not known at synth: limited by kms:ViaService to SSM in this region. Set credentialsKmsKeyArn to name a customer key instead.",
  });
}
