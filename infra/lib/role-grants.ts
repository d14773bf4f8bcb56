import type * as iam from "aws-cdk-lib/aws-iam";
import {
  bucketKmsStatements,
  jobsenderS3Statements,
  roleSideScopes,
  workerS3Statements,
} from "./bucket-grants.js";
import type { CodeDelivery } from "./constructs/code-delivery.js";
import type { JobQueue } from "./constructs/job-queue.js";
import type { MigrationParameters } from "./constructs/migration-parameters.js";
import type { StateTable } from "./constructs/state-table.js";
import type { ResolvedSettings } from "./migration-settings.js";

/** What the programs' roles are granted on. */
export interface GrantTargets {
  readonly settings: ResolvedSettings;
  readonly jobQueue: JobQueue;
  readonly stateTable: StateTable;
  readonly parameters: MigrationParameters;
  /** The deploy bucket, read by hosts only (a function's code is in its own asset). */
  readonly codeDelivery?: CodeDelivery | undefined;
}

/**
 * A worker's grants, the same for the fleet's instance role and the worker function's role:
 * consume the job queue, send to it (a giant object's slices, packages/worker/src/service/
 * split-object.ts), status items, both parameters, the role-side buckets by job type and their
 * KMS keys; the deploy bucket for a host. (The event path's bucket grants its own read,
 * `NewObjectsBucket.grantWorker`.)
 */
export function grantWorker(role: iam.IRole, t: GrantTargets): void {
  const s = t.settings;
  t.jobQueue.queue.grantConsumeMessages(role);
  t.jobQueue.queue.grantSendMessages(role);
  t.stateTable.grantWorker(role);
  t.parameters.grantRead(role);
  t.codeDelivery?.grantRead(role);
  const statements = [
    ...workerS3Statements(s.jobType, roleSideScopes(s.jobType, s.bucketMap)),
    ...bucketKmsStatements(s.jobType, s.bucketKmsKeyArns),
  ];
  for (const st of statements) role.addToPrincipalPolicy(st);
}

/**
 * A jobsender's grants, the same for its instance role and its function's role: send to the
 * job queue, read status items, both parameters, list the role-side buckets under the
 * bucket-map prefixes; the deploy bucket for a host.
 */
export function grantJobsender(role: iam.IRole, t: GrantTargets): void {
  const s = t.settings;
  t.jobQueue.queue.grantSendMessages(role);
  t.stateTable.grantJobsender(role);
  t.parameters.grantRead(role);
  t.codeDelivery?.grantRead(role);
  for (const st of jobsenderS3Statements(roleSideScopes(s.jobType, s.bucketMap)))
    role.addToPrincipalPolicy(st);
}
