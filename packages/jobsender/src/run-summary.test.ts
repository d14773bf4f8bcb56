import { describe, expect, it } from "vitest";
import { createDiffStats } from "./diff-listings.js";
import { createPlanStats } from "./plan-jobs.js";
import { EXIT, newRunState, summarize, summaryLine } from "./run-summary.js";

/** A run of two entries: the first listed to its end, the second cut by the deadline. */
function stoppedRun() {
  const state = newRunState(1_000);
  const whole = createPlanStats(createDiffStats());
  Object.assign(whole, { sourceObjects: 100, destinationObjects: 90, jobs: 10, bytes: 2048 });
  const cut = createPlanStats(createDiffStats());
  Object.assign(cut, { sourceObjects: 40, destinationObjects: 35, jobs: 5, bytes: 1024 });
  state.totals.push(whole, cut);
  state.sender = { sent: 15 };
  state.mappingsTotal = 3;
  state.mappingsDone = 1;
  state.stopped = true;
  return state;
}

describe("summarize", () => {
  it("adds up every entry listed, whole or cut, and says where the deadline stopped the run", () => {
    // Act
    const summary = summarize(stoppedRun(), EXIT.ok, false, 4_500);

    // Assess
    expect(summary).toEqual({
      exitCode: 0,
      sourceObjects: 140,
      destinationObjects: 125,
      jobs: 15,
      jobsSent: 15,
      bytesToMove: 3072,
      ignored: 0,
      versionChanged: 0,
      mappingsDone: 1,
      mappingsTotal: 3,
      stoppedAtDeadline: true,
      durationMs: 3_500,
      dryRun: false,
    });
  });

  it("counts no job as sent in a dry run (there is no sender)", () => {
    const state = newRunState(0);
    expect(summarize(state, EXIT.ok, true, 0)).toMatchObject({ jobsSent: 0, dryRun: true });
  });
});

describe("summaryLine", () => {
  it("names the deadline and the entries done when the run was stopped", () => {
    const line = summaryLine(summarize(stoppedRun(), EXIT.ok, false, 4_500));
    expect(line).toBe(
      "jobsender: listed 140 source / 125 destination objects; sent 15 jobs (0.0 MiB to move), " +
        "ignored 0, in 3.5 s; stopped at the deadline after 1 of 3 bucket map entries\n",
    );
  });

  it("keeps the CLI's line for a run that listed everything", () => {
    const state = stoppedRun();
    state.stopped = false;
    state.mappingsDone = 3;
    expect(summaryLine(summarize(state, EXIT.ok, true, 4_500))).toBe(
      "jobsender: listed 140 source / 125 destination objects; would send 15 jobs (0.0 MiB to move), " +
        "ignored 0, in 3.5 s\n",
    );
  });
});
