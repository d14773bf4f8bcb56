import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import {
  formatSlices,
  formatSplitBytes,
  type SplitProgress,
  splitProgressOf,
} from "./split-progress.js";

/** One object being copied (status `running`), as the status table has it. */
export interface InProgress {
  readonly srcBucket: string;
  readonly srcKey: string;
  readonly sizeBytes: number;
  readonly workerId: string;
  /** When the current attempt started (ISO). */
  readonly lastStart: string;
  /** Parts uploaded so far (reused ones included); absent until a multipart copy reports them. */
  readonly partsDone: number | undefined;
  readonly partsTotal: number | undefined;
  /**
   * When the copying attempt's lease ends (ISO) unless its heartbeat renews it; past it, the
   * attempt is gone (or frozen) and the next delivery takes the object over.
   */
  readonly leaseExpires: string | undefined;
  /** Slices done / total of a giant object split across workers; absent for any other object. */
  readonly split?: SplitProgress;
}

const str = (v: AttributeValue | undefined): string => v?.S ?? "";
const num = (v: AttributeValue | undefined): number | undefined =>
  v?.N === undefined ? undefined : Number(v.N);

/** The object in progress a `running` status item describes. */
export function inProgressOf(item: Record<string, AttributeValue>): InProgress {
  const expires = num(item.leaseExpires);
  const split = splitProgressOf(item);
  return {
    srcBucket: str(item.srcBucket),
    srcKey: str(item.srcKey),
    sizeBytes: num(item.sizeBytes) ?? 0,
    workerId: str(item.workerId),
    lastStart: str(item.lastStart),
    partsDone: num(item.partsDone),
    partsTotal: num(item.partsTotal),
    leaseExpires: expires === undefined ? undefined : new Date(expires).toISOString(),
    // Only on split objects, so the JSON of every other object stays as it was.
    ...(split === undefined ? {} : { split }),
  };
}

const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

const leaseText = (leaseExpires: string, now: string) =>
  `lease until ${leaseExpires}${leaseExpires < now ? " (expired)" : ""}`;

/**
 * `src/key  parts 3/10  12.0 MiB  worker i-1  since <start>  lease until <time> [expired]`, or
 * for a split object `src/key  slices 3/8  3.0 GiB of 8.0 GiB  split (slices in the queue)
 * since <start>` (see {@link formatSplitInProgress}).
 */
export function formatInProgress(p: InProgress, now: string): string {
  if (p.split !== undefined) return formatSplitInProgress(p, p.split, now);
  const parts =
    p.partsTotal === undefined ? "parts -" : `parts ${p.partsDone ?? 0}/${p.partsTotal}`;
  return [
    `${p.srcBucket}/${p.srcKey}`,
    parts,
    mib(p.sizeBytes),
    `worker ${p.workerId || "-"}`,
    `since ${p.lastStart || "-"}`,
    p.leaseExpires === undefined ? "no lease" : leaseText(p.leaseExpires, now),
  ].join("  ");
}

/**
 * A split object's line. While its slices wait in the queue no single attempt holds it, so
 * having no lease is its normal state, not a stalled copy: the line says where the work is
 * instead. A lease means one worker holds the whole object (completing it, or re-splitting it
 * after the source changed): then it reads like any other copy.
 */
function formatSplitInProgress(p: InProgress, split: SplitProgress, now: string): string {
  const holder =
    p.leaseExpires === undefined
      ? ["split (slices in the queue)", `since ${p.lastStart || "-"}`]
      : [
          `worker ${p.workerId || "-"}`,
          `since ${p.lastStart || "-"}`,
          leaseText(p.leaseExpires, now),
        ];
  return [
    `${p.srcBucket}/${p.srcKey}`,
    formatSlices(split),
    formatSplitBytes(split.bytesDone, p.sizeBytes),
    ...holder,
  ].join("  ");
}
