import { existsSync } from "node:fs";
import { join } from "node:path";
import { Annotations, Duration, RemovalPolicy, Stack, type StackProps, Token } from "aws-cdk-lib";
import type * as iam from "aws-cdk-lib/aws-iam";
import type * as logs from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { buildAppIni } from "./app-ini.js";
import {
  bucketKmsStatements,
  jobsenderS3Statements,
  roleSideScopes,
  workerS3Statements,
} from "./bucket-grants.js";
import { appLogGroupName } from "./constructs/app-host-template.js";
import { CodeDelivery } from "./constructs/code-delivery.js";
import { CopyWorkers, type CopyWorkersProps } from "./constructs/copy-workers.js";
import { JobQueue } from "./constructs/job-queue.js";
import { JobsenderHost } from "./constructs/jobsender-host.js";
import { MigrationMonitoring, type ProgramLogs } from "./constructs/migration-monitoring.js";
import { MigrationParameters } from "./constructs/migration-parameters.js";
import { Network } from "./constructs/network.js";
import { NewObjectsBucket } from "./constructs/new-objects-bucket.js";
import { Notifications } from "./constructs/notifications.js";
import { StateTable } from "./constructs/state-table.js";
import {
  type MigrationSettings,
  type ResolvedSettings,
  resolveSettings,
} from "./migration-settings.js";
import { addNagSuppressions } from "./nag-suppressions.js";
import { addStackOutputs } from "./stack-outputs.js";

/** Props of {@link MigrationStack}. */
export interface MigrationStackProps extends StackProps {
  /** The operator's settings; see {@link MigrationSettings} for every default. */
  readonly settings: MigrationSettings;
  /** Folder with `worker.mjs` (and `jobsender.mjs`) as made by `bundleApps`. */
  readonly bundleDir: string;
}

/** The props every application host gets from the stack. */
type SharedHostProps = Pick<
  CopyWorkersProps,
  | "launchErrorTopic"
  | "vpc"
  | "region"
  | "logRetention"
  | "logRemovalPolicy"
  | "deployBucketName"
  | "nodejsMajorVersion"
  | "rootVolumeGiB"
  | "parameterArns"
>;

/**
 * Everything one migration needs, in the account and region it is deployed to (aws or aws-cn):
 * network, job queue + DLQ, status table, parameters, deploy bucket, Spot worker fleet,
 * jobsender host, optional event bucket, notifications, dashboard and alarms.
 */
export class MigrationStack extends Stack {
  public readonly settings: ResolvedSettings;
  public readonly network: Network;
  public readonly jobQueue: JobQueue;
  public readonly stateTable: StateTable;
  public readonly parameters: MigrationParameters;
  public readonly codeDelivery: CodeDelivery;
  public readonly workers: CopyWorkers;
  public readonly jobsender: JobsenderHost | undefined;
  public readonly newObjects: NewObjectsBucket | undefined;
  public readonly notifications: Notifications;
  public readonly monitoring: MigrationMonitoring;

  constructor(scope: Construct, id: string, props: MigrationStackProps) {
    super(scope, id, props);
    // The region is a token unless the app gives an env: then the KMS keys get the format checks only.
    const s = resolveSettings(props.settings, {
      region: Token.isUnresolved(this.region) ? undefined : this.region,
    });
    this.settings = s;
    const appIni = buildAppIni(s, (w) => Annotations.of(this).addWarningV2("s3mig:appSettings", w));
    const removalPolicy = s.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    // Construct ids make the logical ids and the order of creation the template's order: keep both.
    this.network = new Network(this, "Network", {
      cidr: s.vpcCidr,
      flowLogRetention: s.logRetentionDays as logs.RetentionDays,
      logRemovalPolicy: removalPolicy,
    });
    this.jobQueue = new JobQueue(this, "Jobs", {
      queueName: s.tableQueueName,
      visibilityTimeout: Duration.seconds(s.visibilityTimeoutSeconds),
      maxReceiveCount: s.maxReceiveCount,
      retentionPeriod: Duration.days(s.queueRetentionDays),
    });
    this.stateTable = new StateTable(this, "Status", {
      tableName: s.tableQueueName,
      removalPolicy,
    });
    this.parameters = new MigrationParameters(this, "Parameters", {
      bucketMapParameterName: s.bucketMapParameterName,
      bucketMapJson: s.bucketMapJson,
      credentialsParameterName: s.credentialsParameterName,
      credentialsKmsKeyArn: s.credentialsKmsKeyArn,
    });
    this.codeDelivery = new CodeDelivery(this, "Code", {
      bundleDir: props.bundleDir,
      appIni,
      ignorePatterns: s.ignorePatterns,
      removalPolicy,
    });

    this.notifications = new Notifications(this, "Notifications", { emails: s.notificationEmails });
    const host = this.#sharedHostProps(removalPolicy);
    this.workers = this.#newWorkers(host);
    this.jobsender = this.#newJobsender(host, props.bundleDir);
    this.newObjects = this.#newObjectsBucket(removalPolicy);
    this.monitoring = this.#newMonitoring();
    addStackOutputs(this);
    addNagSuppressions(this);
  }

  /** What the worker and jobsender hosts share. */
  #sharedHostProps(removalPolicy: RemovalPolicy): SharedHostProps {
    const s = this.settings;
    return {
      launchErrorTopic: this.notifications.topic,
      vpc: this.network.vpc,
      region: this.region,
      logRetention: s.logRetentionDays as logs.RetentionDays,
      logRemovalPolicy: removalPolicy,
      deployBucketName: this.codeDelivery.bucket.bucketName,
      nodejsMajorVersion: s.nodejsMajorVersion,
      rootVolumeGiB: s.rootVolumeGiB,
      parameterArns: [
        this.parameters.bucketMap.parameterArn,
        this.parameters.credentials.parameterArn,
      ],
    };
  }

  #newWorkers(host: SharedHostProps): CopyWorkers {
    const s = this.settings;
    const workers = new CopyWorkers(this, "Workers", {
      ...host,
      logGroupName: appLogGroupName(s.tableQueueName, "worker"),
      queue: this.jobQueue.queue,
      instanceTypes: s.workerInstanceTypes,
      minCapacity: s.minCapacity,
      maxCapacity: s.maxCapacity,
      onDemandBaseCapacity: s.onDemandBaseCapacity,
      onDemandPercentageAboveBase: s.onDemandPercentageAboveBase,
      scaleOutSteps: s.scaleOutSteps,
      idleMinutes: s.idleMinutes,
    });
    // Instances fetch the bundle at boot: it must be in the bucket first.
    workers.group.node.addDependency(this.codeDelivery.deployment);
    this.#grantWorker(workers.role);
    return workers;
  }

  /** The jobsender host, if enabled and bundled (a warning when enabled but not bundled). */
  #newJobsender(host: SharedHostProps, bundleDir: string): JobsenderHost | undefined {
    const s = this.settings;
    const jobsenderBundled = existsSync(join(bundleDir, "jobsender.mjs"));
    if (s.jobsenderEnabled && !jobsenderBundled) {
      Annotations.of(this).addWarningV2(
        "s3mig:jobsenderMissing",
        "jobsender.mjs is not in the bundle (packages/jobsender/src/main.ts missing?): no jobsender host.",
      );
    }
    if (!(s.jobsenderEnabled && jobsenderBundled)) return undefined;
    const jobsender = new JobsenderHost(this, "Jobsender", {
      ...host,
      logGroupName: appLogGroupName(s.tableQueueName, "jobsender"),
      instanceType: s.jobsenderInstanceType,
      schedule: s.jobsenderSchedule,
    });
    jobsender.group.node.addDependency(this.codeDelivery.deployment);
    this.#grantJobsender(jobsender.role);
    return jobsender;
  }

  /** The S3 event path's bucket, if configured. */
  #newObjectsBucket(removalPolicy: RemovalPolicy): NewObjectsBucket | undefined {
    if (this.settings.eventSource === undefined) return undefined;
    const newObjects = new NewObjectsBucket(this, "NewObjects", {
      queue: this.jobQueue.queue,
      removalPolicy,
    });
    newObjects.grantWorker(this.workers.role);
    return newObjects;
  }

  #newMonitoring(): MigrationMonitoring {
    const programs: ProgramLogs[] = [{ role: "worker", logGroup: this.workers.logGroup }];
    if (this.jobsender !== undefined) {
      programs.push({ role: "jobsender", logGroup: this.jobsender.logGroup });
    }
    return new MigrationMonitoring(this, "Monitoring", {
      queue: this.jobQueue.queue,
      deadLetterQueue: this.jobQueue.deadLetterQueue,
      workerGroup: this.workers.group,
      programs,
      drainedAlarm: this.workers.drainedAlarm,
      topic: this.notifications.topic,
      workerErrorThreshold: this.settings.workerErrorThreshold,
      queueRetention: Duration.days(this.settings.queueRetentionDays),
    });
  }

  #grantWorker(role: iam.IRole): void {
    const s = this.settings;
    this.jobQueue.queue.grantConsumeMessages(role);
    this.stateTable.grantWorker(role);
    this.parameters.grantRead(role);
    this.codeDelivery.grantRead(role);
    const statements = [
      ...workerS3Statements(s.jobType, roleSideScopes(s.jobType, s.bucketMap)),
      ...bucketKmsStatements(s.jobType, s.bucketKmsKeyArns),
    ];
    for (const st of statements) role.addToPrincipalPolicy(st);
  }

  #grantJobsender(role: iam.IRole): void {
    const s = this.settings;
    this.jobQueue.queue.grantSendMessages(role);
    this.stateTable.grantJobsender(role);
    this.parameters.grantRead(role);
    this.codeDelivery.grantRead(role);
    for (const st of jobsenderS3Statements(roleSideScopes(s.jobType, s.bucketMap)))
      role.addToPrincipalPolicy(st);
  }
}
