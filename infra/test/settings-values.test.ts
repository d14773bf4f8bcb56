import { execFileSync } from "node:child_process";
import { ConfigError } from "@s3-migration/common";
import { App } from "aws-cdk-lib";
import { describe, expect, it } from "vitest";
import { type MigrationSettings, resolveSettings } from "../lib/migration-settings.js";
import { MigrationStack } from "../lib/migration-stack.js";
import { onCalendarProblem } from "../lib/on-calendar.js";
import { BUCKET_MAP, FIXTURE_BUNDLE } from "./stack-fixture.js";

/** The ConfigError's message for these settings (fails when they are accepted). */
function problemsOf(settings: MigrationSettings, region?: string): string {
  try {
    resolveSettings({ bucketMapJson: BUCKET_MAP, ...settings }, { region });
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

const ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const GLOBAL_KEY = `arn:aws:kms:us-east-1:111122223333:key/${ID}`;
const CHINA_KEY = `arn:aws-cn:kms:cn-north-1:111122223333:key/${ID}`;

describe("KMS key settings", () => {
  it("accepts key ARNs of one partition, multi-Region keys included, and no key at all", () => {
    const mrk = "arn:aws-cn:kms:cn-north-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab";
    expect(resolveSettings({ bucketMapJson: BUCKET_MAP }).credentialsKmsKeyArn).toBeUndefined();
    const s = resolveSettings({
      bucketMapJson: BUCKET_MAP,
      credentialsKmsKeyArn: CHINA_KEY,
      bucketKmsKeyArns: [mrk],
    });
    expect(s.bucketKmsKeyArns).toEqual([mrk]);
  });

  it.each([
    ["an alias", "alias/s3-migration", "not an alias"],
    ["an alias ARN", "arn:aws:kms:us-east-1:111122223333:alias/s3-migration", "not an alias"],
    ["a bare key id", ID, "not a bare key id"],
    [
      "a global ARN naming a China region",
      `arn:aws:kms:cn-north-1:111122223333:key/${ID}`,
      "cn-north-1 is in the aws-cn partition",
    ],
    [
      "a China ARN naming a global region",
      `arn:aws-cn:kms:us-east-1:111122223333:key/${ID}`,
      "us-east-1 is in the aws partition",
    ],
    [
      "a short account",
      `arn:aws:kms:us-east-1:1111:key/${ID}`,
      "arn:aws:kms:<region>:<account>:key/<key id>",
    ],
  ])("rejects %s, naming the setting, the value and the expected shape", (_, value, reason) => {
    for (const settings of [{ credentialsKmsKeyArn: value }, { bucketKmsKeyArns: [value] }]) {
      const message = problemsOf(settings);
      const key = Object.keys(settings)[0] as string;
      expect(message).toContain(
        `${key}: got "${value}"; expected a KMS key ARN of the stack's partition`,
      );
      expect(message).toContain(reason);
    }
  });

  it("rejects keys of both partitions, or of two regions, in a stack whose region is a deploy-time token", () => {
    const partitions = problemsOf({
      credentialsKmsKeyArn: GLOBAL_KEY,
      bucketKmsKeyArns: [CHINA_KEY],
    });
    expect(partitions).toMatch(/1 problem\(s\)/);
    expect(partitions).toContain(`bucketKmsKeyArns: got "${CHINA_KEY}"`);
    expect(partitions).toContain(
      "arn:aws:kms:…, the partition of the first key's region us-east-1",
    );
    const regions = problemsOf({
      bucketKmsKeyArns: [CHINA_KEY, CHINA_KEY.replace("north", "northwest")],
    });
    expect(regions).toMatch(/1 problem\(s\)/);
    expect(regions).toContain(
      "a key in the first key's region cn-north-1: the keys are used in the stack's region",
    );
  });

  it("checks the partition and the region of every key against a region known at synth", () => {
    expect(problemsOf({ bucketKmsKeyArns: [GLOBAL_KEY] }, "cn-northwest-1")).toContain(
      "arn:aws-cn:kms:…, the partition of the stack's region cn-northwest-1",
    );
    expect(problemsOf({ credentialsKmsKeyArn: CHINA_KEY }, "us-east-1")).toContain(
      `credentialsKmsKeyArn: got "${CHINA_KEY}"`,
    );
    for (const settings of [
      { credentialsKmsKeyArn: CHINA_KEY },
      { bucketKmsKeyArns: [CHINA_KEY] },
    ]) {
      expect(problemsOf(settings, "cn-northwest-1")).toContain(
        "a key in the stack's region cn-northwest-1",
      );
    }
    const s = resolveSettings(
      { bucketMapJson: BUCKET_MAP, credentialsKmsKeyArn: CHINA_KEY, bucketKmsKeyArns: [CHINA_KEY] },
      { region: "cn-north-1" },
    );
    expect(s.credentialsKmsKeyArn).toBe(CHINA_KEY);
  });

  it("uses the stack's env region: a global key in a cn-north-1 stack stops the synth", () => {
    const build = () =>
      new MigrationStack(new App(), "Cn", {
        env: { account: "111122223333", region: "cn-north-1" },
        settings: { bucketMapJson: BUCKET_MAP, bucketKmsKeyArns: [GLOBAL_KEY] },
        bundleDir: FIXTURE_BUNDLE,
      });
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(
      /bucketKmsKeyArns: got "arn:aws:kms:us-east-1.*the partition of the stack's region cn-north-1/s,
    );
  });
});

describe("nodejsMajorVersion", () => {
  it("accepts the versions Amazon Linux 2023 packages (nodejs20, nodejs22, nodejs24); 22 by default", () => {
    expect(resolveSettings({ bucketMapJson: BUCKET_MAP }).nodejsMajorVersion).toBe(22);
    for (const v of [20, 22, 24]) {
      expect(
        resolveSettings({ bucketMapJson: BUCKET_MAP, nodejsMajorVersion: v }).nodejsMajorVersion,
      ).toBe(v);
    }
  });

  it.each([18, 21, 23, 26, 0])("rejects %i, naming the accepted versions", (v) => {
    expect(problemsOf({ nodejsMajorVersion: v })).toContain(
      `nodejsMajorVersion: got "${v}"; expected one of 20, 22, 24 (the Amazon Linux 2023 packages nodejs20, nodejs22, nodejs24)`,
    );
  });
});

/** Valid systemd OnCalendar expressions (as systemd 252 parses them). */
const VALID_SCHEDULES = [
  "hourly",
  "Daily",
  "minutely",
  "weekly",
  "semiannually",
  "*-*-* 02:00:00",
  "02:00",
  "*:0/15",
  "*:*:0/30",
  "Mon..Fri 06:00",
  "Mon-Fri *-*-* 06:00:00",
  "Sat,Sun 10:00",
  "wednesday 2:0",
  "*-*-01 00:00",
  "*-02~03",
  "*-*~1..3 23:00",
  "2026-*-* 02:00",
  "26-01-01",
  "*-*-* 0..23/2:00",
  "*-*-* 08..18:00",
  "*-01/11-*",
  "*-*-* 02:00 UTC",
  "hourly utc",
  "Mon *-*-* 02:00:00 Asia/Shanghai",
  "*-*-* 02:00 Asia/Kolkata",
  "*-*-* 02:00 Etc/GMT+8",
  "@1800000000",
];

/** Invalid ones (systemd rejects each), with a fragment of the reason given. */
const INVALID_SCHEDULES: [string, string][] = [
  ["rate(1 hour)", "EventBridge syntax"],
  ["cron(0 2 * * ? *)", "EventBridge syntax"],
  ["0 2 * * *", "crontab line"],
  ["", "an empty schedule"],
  ["hourly\n[Service]", "one line"],
  ["every hour", 'time zone "hour"'],
  ["*-*-* 25:00", 'hour "25": outside 0–23'],
  ["*-*-* 24:00", 'hour "24": outside 0–23'],
  ["*-*-* 02:60", 'minute "60": outside 0–59'],
  ["*-13-01", 'month "13"'],
  ["*-*-32", 'day "32"'],
  ["*-*~29", "last day (~)"],
  ["*:0/0", "a repetition of 0"],
  ["*:1/59", "the first repetition (60) is past 59"],
  ["*:*/5", 'minute "*/5"'],
  ["5..3:00", "runs backwards"],
  ["Sun..Sat", "runs backwards"],
  ["Mon..Fry", 'weekday "Mon..Fry"'],
  ["Tues 02:00", 'weekday "Tues"'],
  ["02:00 Mon", "[weekdays] [date] [time] [time zone]"],
  ["hourly Mon", 'unexpected "Mon"'],
  ["*-*-* 02:00 Nowhere/City", 'time zone "Nowhere/City"'],
  ["*-*-* 02:00 asia/shanghai", "case-sensitive: Asia/Shanghai"],
  ["*-*-* 02:00 +0800", 'unexpected "+0800"'],
  ["*-*-*T02:00", 'hour "*-*-*T02"'],
  ["1969-01-01", 'year "1969": outside 1970–2199'],
  ["*", 'unexpected "*"'],
  ["*-*-* 02:00:00:00", "expected HH:MM or HH:MM:SS"],
];

describe("jobsenderSchedule (a systemd timer's OnCalendar=)", () => {
  it.each(VALID_SCHEDULES)("accepts %s", (schedule) => {
    expect(onCalendarProblem(schedule)).toBeUndefined();
    expect(
      resolveSettings({ bucketMapJson: BUCKET_MAP, jobsenderSchedule: schedule }).jobsenderSchedule,
    ).toBe(schedule);
  });

  it.each(INVALID_SCHEDULES)("rejects %j, saying why", (schedule, reason) => {
    const message = problemsOf({ jobsenderSchedule: schedule });
    expect(message).toContain(
      `jobsenderSchedule: got ${JSON.stringify(schedule)}; expected a systemd OnCalendar expression`,
    );
    expect(message).toContain(reason);
  });

  const systemdAnalyze = (() => {
    try {
      execFileSync("systemd-analyze", ["--version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();

  it.runIf(systemdAnalyze)("agrees with systemd-analyze calendar on every case above", () => {
    const systemdAccepts = (s: string): boolean => {
      try {
        execFileSync("systemd-analyze", ["calendar", s], { stdio: "ignore" });
        return true;
      } catch {
        return false;
      }
    };
    const cases = [...VALID_SCHEDULES, ...INVALID_SCHEDULES.map(([s]) => s)].filter(
      (s) => s.trim() !== "" && !s.includes("\n"),
    );
    const disagreements = cases.filter(
      (s) => systemdAccepts(s) !== (onCalendarProblem(s) === undefined),
    );
    expect(disagreements).toEqual([]);
  });
});
