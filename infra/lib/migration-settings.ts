import {
  type BucketMapping,
  ConfigError,
  type ConfigProblem,
  type JobType,
  parseBucketMap,
} from "@s3-migration/common";

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
 * the defaults and validates.
 */
export interface MigrationSettings {
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
  /** KMS key of the credentials SecureString. @default undefined (the account's `aws/ssm` key) */
  readonly credentialsKmsKeyArn?: string;
  /** KMS keys of the buckets on the instance role's side (SSE-KMS with a customer key). @default [] */
  readonly bucketKmsKeyArns?: readonly string[];
  /** Queue visibility timeout; the worker extends it every third of this. @default 300 */
  readonly visibilityTimeoutSeconds?: number;
  /** Receives before a message moves to the DLQ. @default 24 */
  readonly maxReceiveCount?: number;
  /** Job queue message retention (the DLQ keeps 14 days). @default 4 */
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
  /** systemd `OnCalendar=` expression of the jobsender timer. @default "hourly" */
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
  /** Node.js major version installed from the Amazon Linux 2023 repository. @default 22 */
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
  queueRetentionDays: 4,
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
} as const satisfies Omit<ResolvedSettings, "bucketMap" | "bucketMapJson">;

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

const NAME = /^[A-Za-z0-9_-]{3,76}$/;
const SSM_NAME = /^[A-Za-z0-9_.\-/]{1,1011}$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;

/**
 * Applies the defaults and validates every setting, collecting all problems. The bucket map is
 * checked with the project's own `parseBucketMap`, so synth fails with the same messages the
 * jobsender would print.
 *
 * @throws ConfigError listing every problem.
 */
export function resolveSettings(input: MigrationSettings): ResolvedSettings {
  const s = { ...DEFAULT_SETTINGS, ...dropUndefined(input) } as Omit<ResolvedSettings, "bucketMap">;
  const problems: ConfigProblem[] = [];
  const bad = (key: string, value: unknown, expected: string): void => {
    problems.push({ key, value: value === undefined ? undefined : String(value), expected });
  };
  const int = (key: keyof MigrationSettings, value: number, min: number, max: number): void => {
    if (!Number.isInteger(value) || value < min || value > max)
      bad(key, value, `an integer from ${min} to ${max}`);
  };

  if (s.jobType !== "PUT" && s.jobType !== "GET") bad("jobType", s.jobType, "PUT or GET");
  if (!NAME.test(s.tableQueueName))
    bad("tableQueueName", s.tableQueueName, "3-76 characters of A-Z, a-z, 0-9, '_' or '-'");
  for (const key of ["bucketMapParameterName", "credentialsParameterName"] as const) {
    if (!SSM_NAME.test(s[key])) bad(key, s[key], "an SSM parameter name");
  }
  // The worker's heartbeat extends visibility every third of this; SQS allows up to 12 hours.
  int("visibilityTimeoutSeconds", s.visibilityTimeoutSeconds, 60, 43_200);
  int("maxReceiveCount", s.maxReceiveCount, 1, 1000);
  int("queueRetentionDays", s.queueRetentionDays, 1, 14);
  int("minCapacity", s.minCapacity, 0, 1000);
  int("maxCapacity", s.maxCapacity, 1, 1000);
  if (s.minCapacity > s.maxCapacity)
    bad("minCapacity", s.minCapacity, `at most maxCapacity (${s.maxCapacity})`);
  int("onDemandBaseCapacity", s.onDemandBaseCapacity, 0, 1000);
  int("onDemandPercentageAboveBase", s.onDemandPercentageAboveBase, 0, 100);
  int("idleMinutes", s.idleMinutes, 1, 1440);
  int("rootVolumeGiB", s.rootVolumeGiB, 8, 16_384);
  int("workerErrorThreshold", s.workerErrorThreshold, 1, 1_000_000);
  if (!LOG_RETENTION_DAYS.includes(s.logRetentionDays))
    bad("logRetentionDays", s.logRetentionDays, `one of ${LOG_RETENTION_DAYS.join(", ")}`);
  int("nodejsMajorVersion", s.nodejsMajorVersion, 20, 99);
  if (
    s.workerInstanceTypes.length === 0 ||
    !s.workerInstanceTypes.every((t) => INSTANCE_TYPE.test(t))
  )
    bad(
      "workerInstanceTypes",
      s.workerInstanceTypes.join(","),
      "one or more instance types, e.g. c6i.large",
    );
  if (!INSTANCE_TYPE.test(s.jobsenderInstanceType))
    bad("jobsenderInstanceType", s.jobsenderInstanceType, "an instance type, e.g. t3.small");
  if (!/^[A-Za-z0-9 *:/,.~-]+$/.test(s.jobsenderSchedule))
    bad(
      "jobsenderSchedule",
      s.jobsenderSchedule,
      "a systemd OnCalendar expression, e.g. hourly or *-*-* 02:00:00",
    );
  if (!/^\d{1,3}(\.\d{1,3}){3}\/(1[6-9]|2[0-4])$/.test(s.vpcCidr))
    bad("vpcCidr", s.vpcCidr, "an IPv4 CIDR from /16 to /24");
  checkSteps(s.scaleOutSteps, bad);
  for (const pattern of s.ignorePatterns) {
    if (pattern.trim() === "" || /[\r\n]/.test(pattern))
      bad("ignorePatterns", pattern, "a one-line bucket/key pattern");
  }
  for (const email of s.notificationEmails) {
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email))
      bad("notificationEmails", email, "an e-mail address");
  }
  if (s.eventSource !== undefined && s.jobType !== "PUT")
    bad(
      "eventSource",
      s.eventSource.destinationBucket,
      "no event source with jobType GET (the new-objects bucket is on the role's side, which is the destination in GET mode)",
    );

  let bucketMap: readonly BucketMapping[] = [];
  if (s.bucketMapJson === undefined) {
    bad(
      "bucketMapJson",
      undefined,
      "the bucket map (context bucketMap, bucketMapFile, or the config file's bucketMap)",
    );
  } else {
    try {
      bucketMap = parseBucketMap(s.bucketMapJson, "(stack setting bucketMap)");
    } catch (err) {
      // The project's own messages, naming the entry and field.
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
    }
    if (s.bucketMapJson.length > 8192)
      bad(
        "bucketMapJson",
        `${s.bucketMapJson.length} characters`,
        "at most 8192 characters (SSM advanced tier)",
      );
  }
  if (problems.length > 0) throw new ConfigError("invalid stack settings", problems);
  return { ...s, bucketMap } as ResolvedSettings;
}

function checkSteps(
  steps: readonly ScaleStep[],
  bad: (k: string, v: unknown, e: string) => void,
): void {
  if (steps.length === 0) bad("scaleOutSteps", "[]", "at least one step");
  let previous = 0;
  for (const [i, step] of steps.entries()) {
    if (!Number.isInteger(step.lower) || step.lower <= previous)
      bad(`scaleOutSteps[${i}].lower`, step.lower, `an integer above ${previous}, increasing`);
    if (!Number.isInteger(step.change) || step.change < 1)
      bad(`scaleOutSteps[${i}].change`, step.change, "an integer ≥ 1");
    previous = Number.isInteger(step.lower) ? step.lower : previous;
  }
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
