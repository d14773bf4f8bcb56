/**
 * Timing one run of ours: the workers are already polling; the jobsender starts, and the run
 * ends at the "object copied" line that makes the count reach the jobs it sent. The workers'
 * CPU time (/proc/<pid>/stat) is read right before the jobsender starts and right when that
 * last line arrives, so idle time after the run does not count.
 */
import { CLOCK_TICKS_PER_SEC, cpuSeconds, sumOver } from "./proc-stats.js";
import { type Program, startProgram } from "./processes.js";

/** What {@link timeCopies} measured. */
export interface Copies {
  /** Jobsender start → arrival of the last "object copied" line. */
  readonly seconds: number;
  /** The jobsender's start, epoch ms. */
  readonly startedAtMs: number;
  readonly jobsSent: number;
  /** "object copied" lines when the run ended. */
  readonly copied: number;
  /** Jobsender start → its exit (start-up, listing both sides, sending). */
  readonly jobsenderSeconds: number;
  /** Jobsender start → the first "object copied" line. */
  readonly firstCopySeconds: number;
  /** Worker CPU seconds (summed) over the same interval. */
  readonly cpuSeconds: number;
  /**
   * Worker CPU seconds from the copy that made a quarter of the expected objects to the last
   * one, and the copies in between: the cost per object once the workers are warm (V8 has
   * compiled the code paths, the sockets are open). Meaningful for a set of like objects.
   */
  readonly warm: { readonly cpuSeconds: number; readonly copied: number } | undefined;
}

/** The end of a run: when the last copy arrived, and the workers' CPU then. */
interface End {
  readonly at: number;
  readonly cpu: number;
}

/**
 * Counts "object copied" lines of every worker as they arrive; once `expect(n)` has been called
 * and n lines are in, `reached` resolves with that line's arrival and the workers' CPU, read
 * there and then.
 */
function trackCopies(workers: readonly Program[], warmAfter: number) {
  const pids = workers.map((w) => w.pid);
  let warm: { readonly count: number; readonly cpu: number } | undefined;
  let count = 0;
  let lastAt = Number.NaN;
  let firstAt = Number.NaN;
  let target = Number.POSITIVE_INFINITY;
  let settle: ((end: End) => void) | undefined;
  const reached = new Promise<End>((resolve) => {
    settle = resolve;
  });
  const check = () => {
    if (count < target || settle === undefined) return;
    settle({ at: lastAt, cpu: sumOver(pids, cpuSeconds) });
    settle = undefined;
  };
  for (const w of workers) {
    w.onLine((l) => {
      if (l.line.message !== "object copied") return;
      count++;
      lastAt = l.at;
      if (count === 1) firstAt = l.at;
      if (count === warmAfter) warm = { count, cpu: sumOver(pids, cpuSeconds) };
      check();
    });
  }
  return {
    reached,
    count: () => count,
    firstAt: () => firstAt,
    warm: () => warm,
    expect: (n: number) => {
      target = n;
      check();
    },
  };
}

/** Runs the jobsender to its end (or kills it at `deadline`); returns the jobs it sent. */
async function runJobsender(ini: string, env: Record<string, string>, deadline: number) {
  const jobsender = startProgram("jobsender", ["--config", ini], env);
  const code = await Promise.race([jobsender.exited, sleepUntil(deadline)]);
  if (code === undefined) {
    jobsender.kill();
    throw new Error(`jobsender still running at the timeout: ${jobsender.stderr().slice(-1500)}`);
  }
  if (code !== 0) throw new Error(`jobsender exited with ${code}: ${jobsender.stderr()}`);
  const finished = jobsender.lines.find((l) => l.line.message === "jobsender finished")?.line;
  const jobsSent = Number(finished?.jobsSent);
  if (!Number.isInteger(jobsSent)) {
    throw new Error(`jobsender logged no jobsSent: ${JSON.stringify(finished)}`);
  }
  return { jobsSent, finished };
}

/** One timed run on `workers` (already polling); throws when not every job was copied in time. */
export async function timeCopies(
  workers: readonly Program[],
  ini: string,
  env: Record<string, string>,
  timeoutSec: number,
  expectedObjects: number,
): Promise<Copies> {
  const tracker = trackCopies(workers, Math.max(1, Math.ceil(expectedObjects / 4)));
  const cpu0 = sumOver(
    workers.map((w) => w.pid),
    cpuSeconds,
  );
  const started = performance.now();
  const startedAtMs = Date.now();
  const deadline = started + timeoutSec * 1000;
  const { jobsSent, finished } = await runJobsender(ini, env, deadline);
  const jobsenderSeconds = (performance.now() - started) / 1000;
  tracker.expect(jobsSent);
  const end = await Promise.race([
    tracker.reached,
    sleepUntil(deadline),
    ...workers.map((w) => w.exited.then(() => undefined)),
  ]);
  if (end === undefined) {
    const tail = workers.map((w) => w.stderr().slice(-1500)).join("\n");
    const errors = workers.flatMap((w) => w.lines).filter((l) => l.line.level === "error");
    throw new Error(
      `${tracker.count()} of ${jobsSent} jobs copied; ${JSON.stringify(finished)}; ` +
        `errors: ${JSON.stringify(errors.slice(0, 3).map((l) => l.line))}; stderr: ${tail}`,
    );
  }
  const warm = tracker.warm();
  return {
    seconds: (end.at - started) / 1000,
    startedAtMs,
    jobsSent,
    copied: tracker.count(),
    jobsenderSeconds,
    firstCopySeconds: (tracker.firstAt() - started) / 1000,
    // Both reads are in whole ticks: round off the float noise of the difference.
    cpuSeconds: ticks(end.cpu - cpu0),
    warm:
      warm === undefined || warm.count >= tracker.count()
        ? undefined
        : { cpuSeconds: ticks(end.cpu - warm.cpu), copied: tracker.count() - warm.count },
  };
}

/** Both reads of a difference are in whole ticks: round off the float noise. */
function ticks(seconds: number): number {
  return Math.round(seconds * CLOCK_TICKS_PER_SEC) / CLOCK_TICKS_PER_SEC;
}

/** Resolves with undefined at `deadline` (`performance.now()` ms); does not hold the process. */
export const sleepUntil = (deadline: number) =>
  new Promise<undefined>((r) => {
    setTimeout(() => r(undefined), Math.max(0, deadline - performance.now())).unref();
  });
