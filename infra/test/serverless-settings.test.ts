import { ConfigError } from "@s3-migration/common";
import { describe, expect, it } from "vitest";
import { readAppConfig } from "../lib/app-config.js";
import { type MigrationSettings, resolveSettings } from "../lib/migration-settings.js";
import { scheduleExpressionProblem } from "../lib/schedule-expression.js";
import { BUCKET_MAP } from "./stack-fixture.js";

/** The ConfigError's message for these settings (fails when they are accepted). */
function problemsOf(settings: MigrationSettings): string {
  try {
    resolveSettings({ bucketMapJson: BUCKET_MAP, ...settings });
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

const resolve = (settings: MigrationSettings) =>
  resolveSettings({ bucketMapJson: BUCKET_MAP, ...settings });

describe("worker and jobsender modes", () => {
  it("defaults to today's fleet and jobsender host, with the fleet's 300 s visibility", () => {
    // Act
    const s = resolve({});
    // Assess
    expect(s).toMatchObject({
      workerMode: "fleet",
      jobsenderMode: "host",
      visibilityTimeoutSeconds: 300,
      workerLambdaTimeoutSeconds: 900,
    });
  });

  it.each(["lambda", "hybrid"] as const)(
    "raises an unset visibility timeout to 6 × the function timeout + the batching window (%s)",
    (workerMode) => {
      expect(resolve({ workerMode }).visibilityTimeoutSeconds).toBe(6 * 900);
      expect(
        resolve({
          workerMode,
          workerLambdaTimeoutSeconds: 300,
          workerLambdaMaxBatchingWindowSeconds: 20,
        }).visibilityTimeoutSeconds,
      ).toBe(6 * 300 + 20);
    },
  );

  it("keeps a visibility timeout set by hand when it is high enough", () => {
    const s = resolve({
      workerMode: "lambda",
      workerLambdaTimeoutSeconds: 120,
      visibilityTimeoutSeconds: 900,
    });
    expect(s.visibilityTimeoutSeconds).toBe(900);
  });

  it("refuses a visibility timeout set below 6 × the function timeout, naming both and the least value", () => {
    // Act
    const message = problemsOf({ workerMode: "hybrid", visibilityTimeoutSeconds: 3600 });
    // Assess
    expect(message).toMatch(/visibilityTimeoutSeconds: got "3600"/);
    expect(message).toMatch(/at least 5400 with workerMode hybrid/);
    expect(message).toMatch(/6 × workerLambdaTimeoutSeconds \(900\)/);
  });

  it("names unknown modes with the accepted values", () => {
    const message = problemsOf({
      workerMode: "serverless" as never,
      jobsenderMode: "cron" as never,
    });
    expect(message).toMatch(/workerMode: got "serverless".*fleet .* lambda .* hybrid/);
    expect(message).toMatch(/jobsenderMode: got "cron".*host .* lambda/);
  });

  it("checks the functions' sizes against Lambda's and the event source's limits", () => {
    const message = problemsOf({
      workerMode: "lambda",
      workerLambdaMemoryMiB: 256,
      workerLambdaTimeoutSeconds: 901,
      workerLambdaReservedConcurrency: 1,
      workerLambdaMaxBatchingWindowSeconds: 301,
      jobsenderMode: "lambda",
      jobsenderLambdaTimeoutSeconds: 30,
    });
    expect(message).toMatch(/workerLambdaMemoryMiB: got "256".*512 to 10240/);
    expect(message).toMatch(/workerLambdaTimeoutSeconds: got "901".*60 to 900/);
    expect(message).toMatch(/workerLambdaReservedConcurrency: got "1".*2 to 1000/);
    expect(message).toMatch(/workerLambdaMaxBatchingWindowSeconds: got "301".*0 to 300/);
    expect(message).toMatch(/jobsenderLambdaTimeoutSeconds: got "30".*60 to 900/);
  });

  it("refuses a batch above 10 without a batching window, and accepts it with one", () => {
    expect(problemsOf({ workerMode: "lambda", workerLambdaBatchSize: 50 })).toMatch(
      /workerLambdaBatchSize: got "50".*at most 10 without a batching window.*workerLambdaMaxBatchingWindowSeconds/,
    );
    expect(
      resolve({
        workerMode: "lambda",
        workerLambdaBatchSize: 50,
        workerLambdaMaxBatchingWindowSeconds: 5,
      }).workerLambdaBatchSize,
    ).toBe(50);
  });

  it("refuses function settings given for a mode that has no function", () => {
    const message = problemsOf({ workerLambdaMemoryMiB: 4096, jobsenderLambdaMemoryMiB: 1024 });
    expect(message).toMatch(
      /workerLambdaMemoryMiB: got "4096".*only with workerMode lambda or hybrid \(workerMode is fleet\)/,
    );
    expect(message).toMatch(/jobsenderLambdaMemoryMiB: got "1024".*only with jobsenderMode lambda/);
  });

  it("refuses the host timer's schedule with the Lambda jobsender, pointing at the EventBridge setting", () => {
    const message = problemsOf({ jobsenderMode: "lambda", jobsenderSchedule: "daily" });
    expect(message).toMatch(
      /jobsenderSchedule: got "daily".*jobsenderMode lambda.*jobsenderScheduleExpression, an EventBridge expression/,
    );
  });

  it("refuses an EventBridge expression for the host, and a systemd one for the function", () => {
    expect(problemsOf({ jobsenderScheduleExpression: "rate(1 hour)" })).toMatch(
      /jobsenderScheduleExpression: got "rate\(1 hour\)".*only with jobsenderMode lambda/,
    );
    expect(problemsOf({ jobsenderMode: "lambda", jobsenderScheduleExpression: "hourly" })).toMatch(
      /jobsenderScheduleExpression: got "hourly".*an EventBridge schedule expression \(UTC\), e\.g\. rate\(1 hour\).*neither rate\(…\) nor cron\(…\)/,
    );
  });

  it("reads the modes and sizes from context text", () => {
    // Act
    const { settings } = readAppConfig(
      (key) =>
        ({
          bucketMap: BUCKET_MAP,
          workerMode: "hybrid",
          workerLambdaReservedConcurrency: "25",
          jobsenderMode: "lambda",
          jobsenderScheduleExpression: "cron(0 2 * * ? *)",
        })[key],
      () => "",
      "unused.json",
    );
    // Assess
    expect(resolveSettings(settings)).toMatchObject({
      workerMode: "hybrid",
      workerLambdaReservedConcurrency: 25,
      jobsenderMode: "lambda",
      jobsenderScheduleExpression: "cron(0 2 * * ? *)",
    });
  });
});

describe("scheduleExpressionProblem (EventBridge)", () => {
  it.each([
    "rate(1 minute)",
    "rate(5 minutes)",
    "rate(1 hour)",
    "rate(12 hours)",
    "rate(1 day)",
    "cron(0 2 * * ? *)",
    "cron(0/15 * * * ? *)",
    "cron(0 18 ? * MON-FRI *)",
    "cron(0 8 1 * ? *)",
    "cron(30 6 L * ? 2030)",
    "cron(0 10 ? * 6#3 *)",
    "cron(0 0 15W JAN,JUL ? *)",
    "cron(5,35 14-16 ? * 2-6 *)",
  ])("accepts %s", (expression) => {
    expect(scheduleExpressionProblem(expression)).toBeUndefined();
  });

  it.each([
    ["hourly", /neither rate/],
    ["*-*-* 02:00:00", /neither rate/],
    ["rate(0 minutes)", /at least 1/],
    ["rate(1 hours)", /singular/],
    ["rate(2 hour)", /plural/],
    ["rate(1 week)", /minute\(s\)\|hour\(s\)\|day\(s\)/],
    ["cron(0 2 * * *)", /5 field\(s\), expected 6/],
    ["cron(0 2 * * * *)", /exactly one of day-of-month and day-of-week/],
    ["cron(0 2 ? * ? *)", /exactly one of day-of-month and day-of-week/],
    ["cron(60 2 * * ? *)", /bad minutes field "60"/],
    ["cron(0 24 * * ? *)", /bad hours field "24"/],
    ["cron(0 2 32 * ? *)", /bad day-of-month field "32"/],
    ["cron(0 2 ? 13 MON *)", /bad month field "13"/],
    ["cron(0 2 ? * FUNDAY *)", /bad day-of-week field "FUNDAY"/],
    ["cron(0 2 ? * 5-2 *)", /bad day-of-week field "5-2"/],
    ["cron(0/0 2 * * ? *)", /bad minutes field/],
    ["cron(0 2 * * ? 1969)", /bad year field "1969"/],
  ])("rejects %s", (expression, problem) => {
    expect(scheduleExpressionProblem(expression)).toMatch(problem);
  });
});
