import {
  type BucketMapping,
  ConfigError,
  type ConfigProblem,
  type JobType,
} from "@s3-migration/common";
import { checkServerless } from "./serverless-checks.js";
import {
  SERVERLESS_DEFAULTS,
  type ServerlessSettings,
  withFunctionVisibility,
} from "./serverless-settings.js";
import {
  checkHostsAndNetwork,
  checkKmsKeys,
  checkListsAndEventSource,
  checkNames,
  checkNumbers,
  parseBucketMapSetting,
  type ReportProblem,
} from "./settings-checks.js";
import {
  checkSourceEvents,
  SOURCE_EVENT_DEFAULTS,
  type SourceEventSettings,
} from "./source-events-settings.js";

/** One step of the scale-out policy: at `lower` visible messages or more, add `change` instances. */
export interface ScaleStep {
  readonly lower: number;
  readonly change: number;
}

/** The optional S3 event path: a stack-owned "new objects" bucket whose ObjectCreated events feed the queue. */
export interface EventSourceSettings {
  /** Destination bucket of event jobs (`Des_bucket_default`). */
  readonly destinationBucket: string;
  /** Destination prefix of event jobs (`Des_prefix_default`). @default "" */
  readonly destinationPrefix?: string;
}

/**
 * Everything an operator can choose about one deployment. `bin/app.ts` reads these from CDK
 * context (`-c key=value`) or a JSON file (`-c config=<file>`); {@link resolveSettings} applies
 * the defaults and validates. The worker and jobsender modes and the functions' sizes are in
 * {@link ServerlessSettings}; the source buckets' event subscription in {@link SourceEventSettings}.
 */
export interface MigrationSettings extends ServerlessSettings, SourceEventSettings {
  /** Which side the instance role reaches (see config/README.md `JobType`). @default "PUT" */
  readonly jobType?: JobType;
  /** Queue and table name (`table_queue_name`); the DLQ is `<name>-DLQ`. @default "s3_migration_file_list" */
  readonly tableQueueName?: string;
  /** The bucket map document (JSON text, the project's shape). Required. */
  readonly bucketMapJson?: string;
  /** Name of the bucket-map SSM String parameter the stack creates. @default "s3_migration_bucket_para" */
  readonly bucketMapParameterName?: string;
  /** Name of the credentials SecureString created by hand. @default "s3_migration_credentials" */
  readonly credentialsParameterName?: string;
  /** KMS key ARN of the credentials SecureString (stack's partition and region). @default undefined (the account's `aws/ssm` key) */
  readonly credentialsKmsKeyArn?: string;
  /** KMS key ARNs of the buckets on the instance role's side (SSE-KMS with a customer key; stack's partition). @default [] */
  readonly bucketKmsKeyArns?: readonly string[];
  /**
   * Queue visibility timeout; the worker extends it every third of this. @default 300, or
   * 6 × `workerLambdaTimeoutSeconds` + the batching window with a worker function
   */
  readonly visibilityTimeoutSeconds?: number;
  /** Receives before a message moves to the DLQ. @default 24 */
  readonly maxReceiveCount?: number;
  /** Job queue message retention, days (the DLQ keeps 14 days). @default 14 */
  readonly queueRetentionDays?: number;
  /** Worker instance types for the Spot pools. @default ["c5.large", "c6i.large", "c7i.large"] */
  readonly workerInstanceTypes?: readonly string[];
  /** Fleet minimum; the fleet returns here when the queue is empty. @default 1 */
  readonly minCapacity?: number;
  /** Fleet maximum. @default 10 */
  readonly maxCapacity?: number;
  /** On-demand instances before any Spot. @default 0 */
  readonly onDemandBaseCapacity?: number;
  /** Percentage of on-demand above the base. @default 0 */
  readonly onDemandPercentageAboveBase?: number;
  /** Scale-out steps on visible messages. @default [{lower:100,change:1},{lower:500,change:2},{lower:2000,change:5}] */
  readonly scaleOutSteps?: readonly ScaleStep[];
  /** Minutes with visible + in-flight = 0 before the fleet goes to the minimum. @default 15 */
  readonly idleMinutes?: number;
  /** Root volume of each instance, GiB (gp3, encrypted). @default 30 */
  readonly rootVolumeGiB?: number;
  /** Run the jobsender on a schedule (needs the jobsender bundle). @default true */
  readonly jobsenderEnabled?: boolean;
  /** Jobsender instance type. @default "t3.small" */
  readonly jobsenderInstanceType?: string;
  /** systemd `OnCalendar=` expression of the jobsender timer (not EventBridge `rate()`/`cron()`). @default "hourly" */
  readonly jobsenderSchedule?: string;
  /** Jobsender ignore patterns (`bucket/key` with `*` and `?`), deployed as `s3_migration_ignore_list.txt`. @default [] */
  readonly ignorePatterns?: readonly string[];
  /** Extra ini keys for the worker and jobsender (e.g. `{ "MaxThread": "20" }`). @default {} */
  readonly appSettings?: Readonly<Record<string, string>>;
  /** E-mail addresses subscribed to the notification topic. @default [] */
  readonly notificationEmails?: readonly string[];
  /** Worker `error` log lines per 5 minutes that raise the alarm. @default 10 */
  readonly workerErrorThreshold?: number;
  /** Retention of the application log groups, days. @default 30 */
  readonly logRetentionDays?: number;
  /** Node.js major version installed from the Amazon Linux 2023 repository: 20, 22 or 24. @default 22 */
  readonly nodejsMajorVersion?: number;
  /** VPC CIDR. @default "10.80.0.0/16" */
  readonly vpcCidr?: string;
  /** Keep the table, buckets and log groups when the stack is deleted. @default true */
  readonly retainData?: boolean;
  /** Optional S3 event path (PUT only). @default undefined (no event bucket) */
  readonly eventSource?: EventSourceSettings;
}

/** {@link MigrationSettings} with every default applied and the bucket map parsed. */
export type ResolvedSettings = Required<
  Omit<MigrationSettings, "credentialsKmsKeyArn" | "eventSource">
> &
  Pick<MigrationSettings, "credentialsKmsKeyArn" | "eventSource"> & {
    readonly bucketMap: readonly BucketMapping[];
  };

/** The documented defaults. */
export const DEFAULT_SETTINGS = {
  jobType: "PUT",
  tableQueueName: "s3_migration_file_list",
  bucketMapParameterName: "s3_migration_bucket_para",
  credentialsParameterName: "s3_migration_credentials",
  bucketKmsKeyArns: [],
  visibilityTimeoutSeconds: 300,
  maxReceiveCount: 24,
  queueRetentionDays: 14,
  workerInstanceTypes: ["c5.large", "c6i.large", "c7i.large"],
  minCapacity: 1,
  maxCapacity: 10,
  onDemandBaseCapacity: 0,
  onDemandPercentageAboveBase: 0,
  scaleOutSteps: [
    { lower: 100, change: 1 },
    { lower: 500, change: 2 },
    { lower: 2000, change: 5 },
  ],
  idleMinutes: 15,
  rootVolumeGiB: 30,
  jobsenderEnabled: true,
  jobsenderInstanceType: "t3.small",
  jobsenderSchedule: "hourly",
  ignorePatterns: [],
  appSettings: {},
  notificationEmails: [],
  workerErrorThreshold: 10,
  logRetentionDays: 30,
  nodejsMajorVersion: 22,
  vpcCidr: "10.80.0.0/16",
  retainData: true,
  ...SERVERLESS_DEFAULTS,
  ...SOURCE_EVENT_DEFAULTS,
} as const satisfies Omit<ResolvedSettings, "bucketMap" | "bucketMapJson">;

export { LOG_RETENTION_DAYS } from "./settings-checks.js";

/** What the settings are checked against besides themselves. */
export interface SettingsEnvironment {
  /**
   * The stack's region when known at synth (`env` given), for the KMS keys' partition and region.
   * @default undefined (environment-agnostic: the KMS key ARNs' format and consistency only)
   */
  readonly region?: string;
}

/**
 * Applies the defaults and validates every setting, collecting all problems. The bucket map is
 * checked with the project's own `parseBucketMap`, so synth fails with the same messages the
 * jobsender would print.
 *
 * @throws ConfigError listing every problem.
 */
export function resolveSettings(
  input: MigrationSettings,
  environment: SettingsEnvironment = {},
): ResolvedSettings {
  const s = withFunctionVisibility(
    { ...DEFAULT_SETTINGS, ...dropUndefined(input) } as Omit<ResolvedSettings, "bucketMap">,
    input,
  );
  const problems: ConfigProblem[] = [];
  const bad: ReportProblem = (key, value, expected) => {
    problems.push({ key, value: value === undefined ? undefined : String(value), expected });
  };
  // In this order: it is the order of the problems listed in the ConfigError.
  checkNames(s, bad);
  checkNumbers(s, bad);
  checkKmsKeys(s, bad, environment.region);
  checkHostsAndNetwork(s, bad);
  checkListsAndEventSource(s, bad);
  checkServerless(s, input, bad);
  checkSourceEvents(s, bad);
  const bucketMap = parseBucketMapSetting(s.bucketMapJson, bad, problems);
  if (problems.length > 0) throw new ConfigError("invalid stack settings", problems);
  return { ...s, bucketMap } as ResolvedSettings;
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
