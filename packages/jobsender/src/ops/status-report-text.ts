import { formatInProgress } from "./in-progress.js";
import type { RecentFailure, StateTotals, StatusReport } from "./status-report.js";

const MIB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;
const totals = (t: StateTotals) => `${t.count} (${mib(t.bytes)})`;

/** `3 (60.0 MiB)`, or `3 (60.0 MiB, 1 split)` when giant objects are being copied in slices. */
const runningTotals = (running: StateTotals, split: StateTotals) =>
  split.count > 0
    ? `${running.count} (${mib(running.bytes)}, ${split.count} split)`
    : totals(running);

/**
 * `<end> src/key [object, attempt 2] NoSuchKey`; a split object's also tells how many slices
 * are done, since its error (`slice n/S: ...`) names only the one that failed.
 */
function formatFailure(f: RecentFailure): string {
  const slices =
    f.split === undefined ? "" : `, slices ${f.split.slicesDone}/${f.split.slices} done`;
  return `${f.endTime} ${f.srcBucket}/${f.srcKey} [${f.errorClass}, attempt ${f.attempts}${slices}] ${f.lastError.split("\n")[0]}`;
}

/** Formats seconds as `1h 02m 03s`. */
export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}h ${pad(m)}m ${pad(s)}s` : m > 0 ? `${m}m ${pad(s)}s` : `${s}s`;
}

/** The human-readable report. */
export function formatStatusReport(r: StatusReport): string {
  const lines = [
    `status at ${r.time}`,
    `queue:   ${r.queue.waiting} waiting, ${r.queue.inFlight} in flight, ${r.queue.delayed} delayed`,
    `DLQ:     ${r.dlq.waiting + r.dlq.inFlight + r.dlq.delayed} messages`,
    `objects: done ${totals(r.objects.done)}, running ${runningTotals(r.objects.running, r.objects.splitRunning)}, failed ${totals(r.objects.failed)}` +
      (r.objects.other.count > 0 ? `, other ${totals(r.objects.other)}` : ""),
    `rate:    ${mib(r.bytesPerSecond)}/s, ${r.objectsPerSecond.toFixed(2)} objects/s (last ${r.rateWindowMinutes} min)`,
    `ETA:     ${r.etaSeconds === undefined ? "unknown (no recent progress)" : formatDuration(r.etaSeconds)}`,
  ];
  if (r.objects.inProgress.length > 0) {
    const shown = r.objects.inProgress.length;
    const of = r.objects.running.count > shown ? ` of ${r.objects.running.count}` : "";
    lines.push(`in progress (${shown}${of}, longest running first):`);
    for (const p of r.objects.inProgress) lines.push(`  ${formatInProgress(p, r.time)}`);
  }
  if (r.objects.failures.length > 0) {
    lines.push("recent failures:");
    for (const f of r.objects.failures) lines.push(`  ${formatFailure(f)}`);
  }
  return `${lines.join("\n")}\n`;
}
