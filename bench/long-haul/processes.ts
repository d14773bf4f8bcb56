/**
 * Child processes of the benchmark: the bundled worker and jobsender (infra's `bundleApps`, as
 * the fleet runs them) with their JSON log lines, each stamped with when it arrived here, and
 * plain commands (rclone).
 */
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { bundleApps } from "../../infra/lib/bundle-apps.js";
import { ROOT, stackIsUp } from "../../test/support/local-stack.js";

export const BENCH_DIR = join(ROOT, ".local", "bench", "long-haul");
const DIST = join(BENCH_DIR, "dist");

/** Bundles worker.mjs and jobsender.mjs into `.local/bench/long-haul/dist`. */
export function bundlePrograms(): void {
  bundleApps(ROOT, DIST);
}

/** A progress line on stderr (stdout carries the results table). */
export const say = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/**
 * What every benchmark script does first: exit 2 with a line naming `script` when the local
 * stack is not running, then bundle the programs as the fleet runs them.
 */
export function prepareBench(script: string): void {
  if (!stackIsUp()) {
    say(`${script}: the local stack is not running (pnpm local:up)`);
    process.exit(2);
  }
  mkdirSync(BENCH_DIR, { recursive: true });
  say("bundling worker.mjs and jobsender.mjs (infra's bundleApps)...");
  bundlePrograms();
}

/** One JSON log line and when it arrived (`performance.now()`, ms). */
export interface StampedLine {
  readonly at: number;
  readonly line: Record<string, unknown>;
}

/** A running program with its log lines. */
export interface Program {
  readonly pid: number | undefined;
  readonly lines: StampedLine[];
  readonly stderr: () => string;
  /** Exit code (or signal name). */
  readonly exited: Promise<number | string>;
  /** Calls `listener` with every line from now on, as it arrives. */
  onLine(listener: (line: StampedLine) => void): void;
  /** Resolves with the first line that matches. */
  waitFor(match: (line: Record<string, unknown>) => boolean, timeoutMs: number): Promise<void>;
  /** SIGTERM (graceful), or SIGKILL when `hard`. */
  kill(hard?: boolean): void;
}

/**
 * Starts `node dist/<program>.mjs …args` with `env` added to this process's. With
 * `BENCH_CPU_PROF_DIR` set, every worker writes a V8 CPU profile there when it exits (open it
 * in Chrome DevTools or speedscope).
 */
export function startProgram(
  program: "worker" | "jobsender",
  args: readonly string[],
  env: Record<string, string>,
): Program {
  const profileDir = process.env.BENCH_CPU_PROF_DIR;
  const profile =
    program === "worker" && profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  return startCommand([process.execPath, ...profile, join(DIST, `${program}.mjs`), ...args], env);
}

/** A `waitFor` in progress. */
interface Waiter {
  readonly match: (l: Record<string, unknown>) => boolean;
  readonly done: () => void;
}

/**
 * A `data` handler that stamps each JSON line of a stream with its arrival, keeps it, and
 * tells the listeners and the matching waiters; `raw` also gets the text as it comes.
 */
function jsonLines(
  sink: {
    readonly lines: StampedLine[];
    readonly listeners: readonly ((line: StampedLine) => void)[];
    readonly waiters: readonly Waiter[];
  },
  raw?: (chunk: string) => void,
): (chunk: Buffer) => void {
  let buffer = "";
  return (chunk) => {
    const at = performance.now();
    raw?.(chunk.toString());
    const parts = (buffer + chunk.toString()).split("\n");
    buffer = parts.pop() ?? "";
    for (const text of parts.filter((p) => p.startsWith("{"))) {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue; // a line that only looks like JSON (a stack trace's "{"): not a log line
      }
      const stamped = { at, line };
      sink.lines.push(stamped);
      for (const listen of sink.listeners) listen(stamped);
      for (const w of sink.waiters.filter((w) => w.match(line))) w.done();
    }
  };
}

/** Starts any command; JSON lines of its stdout and stderr are collected. `drop`: variables to leave out. */
export function startCommand(
  argv: readonly string[],
  env: Record<string, string>,
  drop: readonly string[] = [],
): Program {
  const [command = "", ...args] = argv;
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !drop.includes(k)));
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...base, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: StampedLine[] = [];
  const listeners: ((line: StampedLine) => void)[] = [];
  const waiters: Waiter[] = [];
  const text = { stderr: "" };
  // Both streams: the worker logs to stdout, the jobsender to stderr.
  const sink = { lines, listeners, waiters };
  child.stdout.on("data", jsonLines(sink));
  child.stderr.on(
    "data",
    jsonLines(sink, (chunk) => (text.stderr += chunk)),
  );
  const stderr = () => text.stderr;
  const exited = new Promise<number | string>((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  return {
    pid: child.pid,
    lines,
    stderr,
    exited,
    onLine: (listener) => {
      listeners.push(listener);
    },
    waitFor: (match, timeoutMs) =>
      lines.some((l) => match(l.line))
        ? Promise.resolve()
        : new Promise((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`${command}: no matching log line in ${timeoutMs} ms`)),
              timeoutMs,
            );
            waiters.push({
              match,
              done: () => {
                clearTimeout(timer);
                resolve();
              },
            });
          }),
    kill: (hard = true) => {
      if (child.exitCode === null && child.signalCode === null)
        child.kill(hard ? "SIGKILL" : "SIGTERM");
    },
  };
}
