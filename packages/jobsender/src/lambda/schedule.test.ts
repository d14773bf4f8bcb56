import { ConfigError } from "@s3-migration/common";
import { afterEach, describe, expect, it, vi } from "vitest";
import { EXIT, newRunState, summarize } from "../run-summary.js";
import {
  DEFAULT_MARGIN_MS,
  JobsenderRunError,
  JobsenderStalledError,
  lambdaConfigPath,
  lambdaMarginMs,
  readScheduleEvent,
  settleSummary,
  startDeadline,
} from "./schedule.js";

describe("lambdaConfigPath", () => {
  it("takes S3MIG_CONFIG_FILE first", () => {
    expect(lambdaConfigPath({ S3MIG_CONFIG_FILE: "/x/a.ini", LAMBDA_TASK_ROOT: "/var/task" })).toBe(
      "/x/a.ini",
    );
  });

  it("falls back to s3_migration_config.ini beside the handler", () => {
    expect(lambdaConfigPath({ LAMBDA_TASK_ROOT: "/var/task" })).toBe(
      "/var/task/s3_migration_config.ini",
    );
    expect(lambdaConfigPath({})).toBe("s3_migration_config.ini");
  });
});

describe("lambdaMarginMs", () => {
  it("defaults to 30 s and takes S3MIG_LAMBDA_MARGIN_MS", () => {
    expect(lambdaMarginMs({})).toBe(DEFAULT_MARGIN_MS);
    expect(DEFAULT_MARGIN_MS).toBe(30_000);
    expect(lambdaMarginMs({ S3MIG_LAMBDA_MARGIN_MS: "5000" })).toBe(5_000);
  });

  it.each(["-1", "1.5", "soon"])("refuses %s with a ConfigError naming the variable", (text) => {
    expect(() => lambdaMarginMs({ S3MIG_LAMBDA_MARGIN_MS: text })).toThrow(ConfigError);
    expect(() => lambdaMarginMs({ S3MIG_LAMBDA_MARGIN_MS: text })).toThrow(
      "S3MIG_LAMBDA_MARGIN_MS",
    );
  });
});

describe("readScheduleEvent", () => {
  it("runs with neither flag on an EventBridge scheduled event or no event", () => {
    const scheduled = {
      version: "0",
      id: "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
      "detail-type": "Scheduled Event",
      source: "aws.events",
      time: "2026-01-01T00:00:00Z",
      resources: ["arn:aws:events:us-east-1:123456789012:rule/jobsender"],
      detail: {},
    };
    expect(readScheduleEvent(scheduled)).toEqual({ dryRun: false, force: false });
    expect(readScheduleEvent(undefined)).toEqual({ dryRun: false, force: false });
  });

  it("takes dryRun and force from a target's input", () => {
    expect(readScheduleEvent({ force: true })).toEqual({ dryRun: false, force: true });
    expect(readScheduleEvent({ dryRun: true, force: false })).toEqual({
      dryRun: true,
      force: false,
    });
  });

  it("refuses a flag of the wrong type and an event that is not an object", () => {
    expect(() => readScheduleEvent({ force: "yes" })).toThrow(
      'event.force: got "yes"; expected true or false',
    );
    expect(() => readScheduleEvent("run")).toThrow(TypeError);
    expect(() => readScheduleEvent([])).toThrow(TypeError);
  });
});

describe("startDeadline", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("aborts with a TimeoutError at the remaining time minus the margin", () => {
    // Prepare
    vi.useFakeTimers();
    const deadline = startDeadline(40_000, 30_000);

    // Act + Assess
    expect(deadline.timeLeftMs).toBe(10_000);
    vi.advanceTimersByTime(9_999);
    expect(deadline.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(deadline.signal.aborted).toBe(true);
    expect((deadline.signal.reason as DOMException).name).toBe("TimeoutError");
  });

  it("gives no time at all when less than the margin remains", () => {
    vi.useFakeTimers();
    const deadline = startDeadline(20_000, 30_000);
    expect(deadline.timeLeftMs).toBe(0);
    vi.advanceTimersByTime(0);
    expect(deadline.signal.aborted).toBe(true);
  });

  it("never aborts once cleared", () => {
    vi.useFakeTimers();
    const deadline = startDeadline(40_000, 30_000);
    deadline.clear();
    vi.advanceTimersByTime(60_000);
    expect(deadline.signal.aborted).toBe(false);
  });
});

describe("settleSummary", () => {
  const summary = (exitCode: 0 | 1 | 2 | 3) => ({
    ...summarize(newRunState(0), exitCode, false, 0),
    error: exitCode === EXIT.failed ? "queue refused" : undefined,
  });

  it("answers the summary of a run that did its work or found the queue busy", () => {
    expect(settleSummary(summary(EXIT.ok))).toEqual(summary(EXIT.ok));
    expect(settleSummary(summary(EXIT.busy)).exitCode).toBe(3);
  });

  it("throws a JobsenderRunError carrying the summary of a failed run", () => {
    const failed = summary(EXIT.failed);
    const thrown = (() => {
      try {
        settleSummary(failed);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(JobsenderRunError);
    expect((thrown as JobsenderRunError).summary).toBe(failed);
    expect((thrown as JobsenderRunError).message).toContain("exit code 1");
    expect((thrown as JobsenderRunError).message).toContain("queue refused");
    expect(() => settleSummary(summary(EXIT.config))).toThrow(JobsenderRunError);
  });

  it("throws a JobsenderStalledError for a run the deadline stopped before it sent anything", () => {
    const stopped = (jobsSent: number, dryRun = false) => {
      const state = newRunState(0);
      state.stopped = true;
      state.sender = dryRun ? undefined : { sent: jobsSent };
      return summarize(state, EXIT.ok, dryRun, 0);
    };
    expect(() => settleSummary(stopped(0))).toThrow(JobsenderStalledError);
    expect(() => settleSummary(stopped(0))).toThrow(
      "the next runs will stop at about the same place",
    );
    expect(settleSummary(stopped(1)).stoppedAtDeadline).toBe(true);
    expect(settleSummary(stopped(0, true)).dryRun).toBe(true);
  });
});
