import { Annotations, Duration, RemovalPolicy, Stack, type StackProps, Token } from "aws-cdk-lib";
import type * as logs from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { buildAppIni } from "./app-ini.js";
import { appLogGroupName } from "./constructs/app-host-template.js";
import { CodeDelivery } from "./constructs/code-delivery.js";
import { CopyWorkers, type CopyWorkersProps } from "./constructs/copy-workers.js";
import { JobQueue } from "./constructs/job-queue.js";
import type { JobsenderFunction } from "./constructs/jobsender-function.js";
import { JobsenderHost } from "./constructs/jobsender-host.js";
import { MigrationMonitoring } from "./constructs/migration-monitoring.js";
import { MigrationParameters } from "./constructs/migration-parameters.js";
import { Network } from "./constructs/network.js";
import { NewObjectsBucket } from "./constructs/new-objects-bucket.js";
import { Notifications } from "./constructs/notifications.js";
import {
  newSourceBucketEvents,
  type SourceBucketEvents,
} from "./constructs/source-bucket-events.js";
import { StateTable } from "./constructs/state-table.js";
import type { WorkerFunction } from "./constructs/worker-function.js";
import {
  type MigrationSettings,
  type ResolvedSettings,
  resolveSettings,
} from "./migration-settings.js";
import { addNagSuppressions } from "./nag-suppressions.js";
import { type GrantTargets, grantJobsender, grantWorker } from "./role-grants.js";
import {
  type FunctionContext,
  jobsenderHostWanted,
  newJobsenderFunction,
  newWorkerFunction,
  programLogs,
  watchedFunctions,
} from "./stack-functions.js";
import { addStackOutputs } from "./stack-outputs.js";

/** Props of {@link MigrationStack}. */
export interface MigrationStackProps extends StackProps {
  /** The operator's settings; see {@link MigrationSettings} for every default. */
  readonly settings: MigrationSettings;
  /** Folder with `worker.mjs`, `worker-lambda.mjs` (and the jobsender's) as made by `bundleApps`. */
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
 * job queue + DLQ, status table, parameters, the worker (Spot fleet, Lambda function or both:
 * `workerMode`), the jobsender (host or Lambda function: `jobsenderMode`), optional event
 * bucket, source-bucket events (`sourceBucketEvents`), notifications, dashboard and alarms; the
 * network and deploy bucket when any host runs.
 */
export class MigrationStack extends Stack {
  public readonly settings: ResolvedSettings;
  /** Undefined when no host runs (`workerMode` lambda and no jobsender host). */
  public readonly network: Network | undefined;
  public readonly jobQueue: JobQueue;
  public readonly stateTable: StateTable;
  public readonly parameters: MigrationParameters;
  /** The hosts' deploy bucket; undefined when no host runs. */
  public readonly codeDelivery: CodeDelivery | undefined;
  /** The Spot fleet; undefined with `workerMode` lambda. */
  public readonly workers: CopyWorkers | undefined;
  /** The worker function; undefined with `workerMode` fleet. */
  public readonly workerFunction: WorkerFunction | undefined;
  public readonly jobsender: JobsenderHost | undefined;
  public readonly jobsenderFunction: JobsenderFunction | undefined;
  public readonly newObjects: NewObjectsBucket | undefined;
  /** The source buckets' EventBridge subscription; undefined unless `sourceBucketEvents` eventbridge. */
  public readonly sourceEvents: SourceBucketEvents | undefined;
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
    const jobsenderHost = jobsenderHostWanted(this, s, props.bundleDir);
    const hosts = s.workerMode !== "lambda" || jobsenderHost;

    // Construct ids make the logical ids and the order of creation the template's order: keep both.
    this.network = hosts
      ? new Network(this, "Network", {
          cidr: s.vpcCidr,
          flowLogRetention: s.logRetentionDays as logs.RetentionDays,
          logRemovalPolicy: removalPolicy,
        })
      : undefined;
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
    this.codeDelivery = hosts
      ? new CodeDelivery(this, "Code", {
          bundleDir: props.bundleDir,
          appIni,
          ignorePatterns: s.ignorePatterns,
          removalPolicy,
        })
      : undefined;

    this.notifications = new Notifications(this, "Notifications", { emails: s.notificationEmails });
    const host = this.#sharedHostProps(removalPolicy);
    this.workers = host && s.workerMode !== "lambda" ? this.#newWorkers(host) : undefined;
    const functions = this.#functionContext(appIni, props.bundleDir, removalPolicy);
    this.workerFunction = newWorkerFunction(this, functions);
    this.jobsender = host && jobsenderHost ? this.#newJobsender(host) : undefined;
    this.jobsenderFunction = newJobsenderFunction(this, functions);
    this.newObjects = this.#newObjectsBucket(removalPolicy);
    this.sourceEvents = newSourceBucketEvents(this, s, this.jobQueue);
    this.monitoring = this.#newMonitoring();
    addStackOutputs(this);
    addNagSuppressions(this);
  }

  /** What the worker and jobsender hosts share; undefined when no host runs. */
  #sharedHostProps(removalPolicy: RemovalPolicy): SharedHostProps | undefined {
    const s = this.settings;
    if (this.network === undefined || this.codeDelivery === undefined) return undefined;
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

  /** What the worker and jobsender functions are built from. */
  #functionContext(
    appIni: string,
    bundleDir: string,
    logRemovalPolicy: RemovalPolicy,
  ): FunctionContext {
    return { ...this.#grantTargets(), appIni, bundleDir, logRemovalPolicy };
  }

  #grantTargets(): GrantTargets {
    return {
      settings: this.settings,
      jobQueue: this.jobQueue,
      stateTable: this.stateTable,
      parameters: this.parameters,
      codeDelivery: this.codeDelivery,
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
    if (this.codeDelivery) workers.group.node.addDependency(this.codeDelivery.deployment);
    grantWorker(workers.role, this.#grantTargets());
    return workers;
  }

  #newJobsender(host: SharedHostProps): JobsenderHost {
    const s = this.settings;
    const jobsender = new JobsenderHost(this, "Jobsender", {
      ...host,
      logGroupName: appLogGroupName(s.tableQueueName, "jobsender"),
      instanceType: s.jobsenderInstanceType,
      schedule: s.jobsenderSchedule,
    });
    if (this.codeDelivery) jobsender.group.node.addDependency(this.codeDelivery.deployment);
    grantJobsender(jobsender.role, this.#grantTargets());
    return jobsender;
  }

  /** The S3 event path's bucket, if configured; every worker (fleet, function) reads it. */
  #newObjectsBucket(removalPolicy: RemovalPolicy): NewObjectsBucket | undefined {
    if (this.settings.eventSource === undefined) return undefined;
    const newObjects = new NewObjectsBucket(this, "NewObjects", {
      queue: this.jobQueue.queue,
      removalPolicy,
    });
    for (const role of [this.workers?.role, this.workerFunction?.app.role]) {
      if (role) newObjects.grantWorker(role);
    }
    return newObjects;
  }

  #newMonitoring(): MigrationMonitoring {
    const s = this.settings;
    const drainedAlarm = this.workers?.drainedAlarm ?? this.workerFunction?.drainedAlarm;
    if (drainedAlarm === undefined)
      throw new Error("MigrationStack: no worker made the drained alarm");
    return new MigrationMonitoring(this, "Monitoring", {
      queue: this.jobQueue.queue,
      deadLetterQueue: this.jobQueue.deadLetterQueue,
      workerGroup: this.workers?.group,
      functions: watchedFunctions(this),
      programs: programLogs(this),
      drainedAlarm,
      topic: this.notifications.topic,
      workerErrorThreshold: s.workerErrorThreshold,
      queueRetention: Duration.days(s.queueRetentionDays),
    });
  }
}
