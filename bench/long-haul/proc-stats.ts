/**
 * What /proc says about a live child process: CPU time (utime + stime of every thread, from
 * /proc/<pid>/stat) and peak resident memory (VmHWM of /proc/<pid>/status). Both are read from
 * the running process; once it has exited and been reaped, they are gone (undefined).
 */
import { readFileSync } from "node:fs";

/** USER_HZ: the unit of utime and stime (100 on every Linux architecture Node runs on). */
export const CLOCK_TICKS_PER_SEC = 100;

/** utime + stime of a live process, in seconds (resolution 10 ms); undefined when it is gone. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // The command name (field 2) may hold spaces; the fields after ") " do not.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / CLOCK_TICKS_PER_SEC : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of this process's children that have exited and been reaped (cutime + cstime of
 * /proc/self/stat). Read before and after a child runs, the difference is that child's whole
 * CPU time, to the last tick, as long as no other child of this process ends meanwhile.
 */
export function reapedChildrenCpuSeconds(): number {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SEC;
}

/** Peak resident set size (VmHWM) of a live process, in MiB; undefined when it is gone. */
export function peakRssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /^VmHWM:\s*(\d+)\s*kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m?.[1] === undefined ? undefined : Number(m[1]) / 1024;
  } catch {
    return undefined;
  }
}

/** Sums over processes; NaN when any of them is gone (a partial sum would read as a result). */
export function sumOver(
  pids: readonly (number | undefined)[],
  read: (pid: number | undefined) => number | undefined,
): number {
  return pids.reduce((n: number, pid) => n + (read(pid) ?? Number.NaN), 0);
}

/**
 * Polls a process's VmHWM every `everyMs` until `stop()`, which returns the last value read.
 * VmHWM only grows while the program runs, so the last read before it exits is its peak up to
 * that moment (growth in its last `everyMs` can be missed). The first read waits one period,
 * so a read between fork and exec (the parent's memory) is unlikely to be the last one.
 */
export function watchPeakRss(
  pid: number | undefined,
  everyMs = 100,
): { stop(): number | undefined } {
  let last: number | undefined;
  const timer = setInterval(() => {
    last = peakRssMiB(pid) ?? last;
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      last = peakRssMiB(pid) ?? last;
      return last;
    },
  };
}
