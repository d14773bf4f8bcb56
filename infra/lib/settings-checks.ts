import {
  type BucketMapping,
  ConfigError,
  type ConfigProblem,
  parseBucketMap,
} from "@s3-migration/common";
import { kmsKeyProblems } from "./kms-key-arns.js";
import type { ResolvedSettings, ScaleStep } from "./migration-settings.js";
import { onCalendarProblem } from "./on-calendar.js";

// The checks behind resolveSettings, one group of settings each. Each reports through `bad`
// and goes on, so one ConfigError lists every problem.

/** Records one problem: the setting, its value (as text) and what was expected. */
export type ReportProblem = (key: string, value: unknown, expected: string) => void;

/** The settings with defaults applied, before the bucket map is parsed. */
export type Unchecked = Omit<ResolvedSettings, "bucketMap">;

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

/**
 * The Node.js majors Amazon Linux 2023 ships as `nodejs<N>` packages (binary `/usr/bin/node-<N>`,
 * which the hosts install and run). 18 is not one: it is the unversioned `nodejs` package, past its
 * end of life, and below the bundle's Node 20 target.
 */
export const NODEJS_MAJOR_VERSIONS: readonly number[] = [20, 22, 24];

const NAME = /^[A-Za-z0-9_-]{3,76}$/;
const SSM_NAME = /^[A-Za-z0-9_.\-/]{1,1011}$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
/**
 * Graviton (arm64) families: `a1`, and a `g` among the attribute letters after the generation
 * (`c6g`, `c7gn`, `m6gd`, `t4g`, `x2gd`, `im4gn`, `g5g`, `hpc7g`). Intel/AMD families never
 * carry it (`g4dn`, `c7i-flex`, `x2iedn`, `inf2`).
 */
const GRAVITON_FAMILY = /^(a1|[a-z]+\d+[a-z]*g[a-z]*)\./;

/** Why `type` cannot run the hosts' AMI (Amazon Linux 2023 x86_64), or undefined. */
export function armTypeProblem(type: string): string | undefined {
  return GRAVITON_FAMILY.test(type)
    ? `an x86_64 instance type: ${type} is a Graviton (arm64) type, and the hosts' AMI is Amazon Linux 2023 x86_64 (e.g. c6i.large or c6a.large instead)`
    : undefined;
}

/** Reports `key` unless `value` is an integer from `min` to `max`. */
export function checkInt(
  bad: ReportProblem,
  key: keyof Unchecked,
  value: number,
  min: number,
  max: number,
): void {
  if (!Number.isInteger(value) || value < min || value > max)
    bad(key, value, `an integer from ${min} to ${max}`);
}

/** The job type and the names of the queue, table and parameters. */
export function checkNames(s: Unchecked, bad: ReportProblem): void {
  if (s.jobType !== "PUT" && s.jobType !== "GET") bad("jobType", s.jobType, "PUT or GET");
  if (!NAME.test(s.tableQueueName))
    bad("tableQueueName", s.tableQueueName, "3-76 characters of A-Z, a-z, 0-9, '_' or '-'");
  for (const key of ["bucketMapParameterName", "credentialsParameterName"] as const) {
    if (!SSM_NAME.test(s[key])) bad(key, s[key], "an SSM parameter name");
  }
}

/** Queue timings, fleet sizes, thresholds, log retention and the Node.js version. */
export function checkNumbers(s: Unchecked, bad: ReportProblem): void {
  // The worker's heartbeat extends visibility every third of this; SQS allows up to 12 hours.
  checkInt(bad, "visibilityTimeoutSeconds", s.visibilityTimeoutSeconds, 60, 43_200);
  checkInt(bad, "maxReceiveCount", s.maxReceiveCount, 1, 1000);
  checkInt(bad, "queueRetentionDays", s.queueRetentionDays, 1, 14);
  checkInt(bad, "minCapacity", s.minCapacity, 0, 1000);
  checkInt(bad, "maxCapacity", s.maxCapacity, 1, 1000);
  if (s.minCapacity > s.maxCapacity)
    bad("minCapacity", s.minCapacity, `at most maxCapacity (${s.maxCapacity})`);
  checkInt(bad, "onDemandBaseCapacity", s.onDemandBaseCapacity, 0, 1000);
  checkInt(bad, "onDemandPercentageAboveBase", s.onDemandPercentageAboveBase, 0, 100);
  checkInt(bad, "idleMinutes", s.idleMinutes, 1, 1440);
  checkInt(bad, "rootVolumeGiB", s.rootVolumeGiB, 8, 16_384);
  checkInt(bad, "workerErrorThreshold", s.workerErrorThreshold, 1, 1_000_000);
  if (!LOG_RETENTION_DAYS.includes(s.logRetentionDays))
    bad("logRetentionDays", s.logRetentionDays, `one of ${LOG_RETENTION_DAYS.join(", ")}`);
  if (!NODEJS_MAJOR_VERSIONS.includes(s.nodejsMajorVersion))
    bad(
      "nodejsMajorVersion",
      s.nodejsMajorVersion,
      `one of ${NODEJS_MAJOR_VERSIONS.join(", ")} (the Amazon Linux 2023 packages ${NODEJS_MAJOR_VERSIONS.map((v) => `nodejs${v}`).join(", ")})`,
    );
}

/**
 * The KMS key ARNs, against the stack's partition (see `kms-key-arns.ts`).
 *
 * @param stackRegion - the stack's region when known at synth; undefined for an
 *   environment-agnostic stack (format and consistency checks only).
 */
export function checkKmsKeys(
  s: Unchecked,
  bad: ReportProblem,
  stackRegion: string | undefined,
): void {
  const credentials = s.credentialsKmsKeyArn;
  kmsKeyProblems(
    [
      ...(credentials === undefined ? [] : [{ key: "credentialsKmsKeyArn", value: credentials }]),
      ...s.bucketKmsKeyArns.map((value) => ({ key: "bucketKmsKeyArns", value })),
    ],
    stackRegion,
    bad,
  );
}

/** Instance types, the jobsender schedule, the VPC CIDR and the scale-out steps. */
export function checkHostsAndNetwork(s: Unchecked, bad: ReportProblem): void {
  if (
    s.workerInstanceTypes.length === 0 ||
    !s.workerInstanceTypes.every((t) => INSTANCE_TYPE.test(t))
  )
    bad(
      "workerInstanceTypes",
      s.workerInstanceTypes.join(","),
      "one or more instance types, e.g. c6i.large",
    );
  for (const type of s.workerInstanceTypes) {
    const arm = armTypeProblem(type);
    if (arm !== undefined) bad("workerInstanceTypes", type, arm);
  }
  if (!INSTANCE_TYPE.test(s.jobsenderInstanceType))
    bad("jobsenderInstanceType", s.jobsenderInstanceType, "an instance type, e.g. t3.small");
  const arm = armTypeProblem(s.jobsenderInstanceType);
  if (arm !== undefined) bad("jobsenderInstanceType", s.jobsenderInstanceType, arm);
  const schedule = onCalendarProblem(s.jobsenderSchedule);
  if (schedule !== undefined)
    bad(
      "jobsenderSchedule",
      s.jobsenderSchedule,
      `a systemd OnCalendar expression (the jobsender runs from a systemd timer), e.g. hourly, *-*-* 02:00:00, Mon..Fri 06:00 or *:0/30; here: ${schedule}`,
    );
  if (!/^\d{1,3}(\.\d{1,3}){3}\/(1[6-9]|2[0-4])$/.test(s.vpcCidr))
    bad("vpcCidr", s.vpcCidr, "an IPv4 CIDR from /16 to /24");
  checkSteps(s.scaleOutSteps, bad);
}

function checkSteps(steps: readonly ScaleStep[], bad: ReportProblem): void {
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

/** Ignore patterns, notification e-mails, and the event source (PUT only). */
export function checkListsAndEventSource(s: Unchecked, bad: ReportProblem): void {
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
}

/**
 * The bucket map, checked with the project's own `parseBucketMap` (its problems join
 * `problems` as they are, naming the entry and field); `[]` when it is missing or invalid.
 */
export function parseBucketMapSetting(
  bucketMapJson: string | undefined,
  bad: ReportProblem,
  problems: ConfigProblem[],
): readonly BucketMapping[] {
  let bucketMap: readonly BucketMapping[] = [];
  if (bucketMapJson === undefined) {
    bad(
      "bucketMapJson",
      undefined,
      "the bucket map (context bucketMap, bucketMapFile, or the config file's bucketMap)",
    );
    return bucketMap;
  }
  try {
    bucketMap = parseBucketMap(bucketMapJson, "(stack setting bucketMap)");
  } catch (err) {
    // The project's own messages, naming the entry and field.
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  if (bucketMapJson.length > 8192)
    bad(
      "bucketMapJson",
      `${bucketMapJson.length} characters`,
      "at most 8192 characters (SSM advanced tier)",
    );
  return bucketMap;
}
