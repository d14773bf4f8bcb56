import { type AttributeValue, type DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import type { QueueCounts } from "@s3-migration/common";
import { type InProgress, inProgressOf } from "./in-progress.js";
import { type SplitProgress, splitProgressOf } from "./split-progress.js";

export type { InProgress } from "./in-progress.js";
export type { SplitProgress } from "./split-progress.js";
export { formatDuration, formatStatusReport } from "./status-report-text.js";

/** The narrow DynamoDB surface `status` needs. */
export type DynamoSend = Pick<DynamoDBClient, "send">;

/** Count and bytes of the status items in one state. */
export interface StateTotals {
  count: number;
  bytes: number;
}

/** One failed object, as the status table has it. */
export interface RecentFailure {
  readonly srcBucket: string;
  readonly srcKey: string;
  readonly endTime: string;
  readonly errorClass: string;
  readonly attempts: number;
  /** Starts with `slice n/S:` when a slice of a split object failed. */
  readonly lastError: string;
  /** Slices done / total and the failed slice of a split object; absent for any other object. */
  readonly split?: SplitProgress;
}

/** What one pass over the status table found. */
export interface TableSummary {
  readonly done: StateTotals;
  readonly running: StateTotals;
  /** The running items that are giant objects split across workers (a subset of `running`). */
  readonly splitRunning: StateTotals;
  readonly failed: StateTotals;
  /** Items with another (or no) status. */
  readonly other: StateTotals;
  /** Done items whose endTime lies in the rate window, and their bytes. */
  readonly recent: StateTotals;
  /** The most recent failures, newest first. */
  readonly failures: RecentFailure[];
  /** Objects in progress (status running), longest running first (at most `keepInProgress`). */
  readonly inProgress: InProgress[];
}

/** Options of {@link scanStatusTable}. */
export interface ScanOptions {
  /** The reference time of the rate window. */
  readonly now: Date;
  /** Length of the rate window in minutes. @default 10 */
  readonly rateWindowMinutes?: number | undefined;
  /** How many failures to keep. @default 10 */
  readonly keepFailures?: number | undefined;
  /** How many objects in progress to keep. @default 50 */
  readonly keepInProgress?: number | undefined;
  /** @default none */
  readonly signal?: AbortSignal | undefined;
}

const str = (v: AttributeValue | undefined): string => v?.S ?? "";
const num = (v: AttributeValue | undefined): number => Number(v?.N ?? 0) || 0;

/**
 * Reads the whole status table with a paginated Scan (projected to the fields it needs) and
 * counts as it goes: memory does not depend on the number of items.
 *
 * @example
 * const summary = await scanStatusTable(dynamodb, "s3_migration", { now: new Date() });
 */
export async function scanStatusTable(
  db: DynamoSend,
  table: string,
  options: ScanOptions,
): Promise<TableSummary> {
  const windowStart = new Date(
    options.now.getTime() - (options.rateWindowMinutes ?? 10) * 60_000,
  ).toISOString();
  const keep = { failures: options.keepFailures ?? 10, inProgress: options.keepInProgress ?? 50 };
  const summary = emptySummary();
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({
        TableName: table,
        ExclusiveStartKey: startKey,
        ProjectionExpression:
          "#status, sizeBytes, endTime, srcBucket, srcKey, errorClass, attempts, lastError, " +
          "workerId, lastStart, leaseExpires, partsDone, partsTotal, " +
          // A split object's progress (see split-progress.ts).
          "splitSlices, splitSliceParts, slicesDone, failedSlice, uploadPartSize",
        ExpressionAttributeNames: { "#status": "status" },
      }),
      { abortSignal: options.signal },
    );
    for (const item of page.Items ?? []) countItem(summary, item, windowStart, keep);
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined && Object.keys(startKey).length > 0);
  return summary;
}

function emptySummary(): TableSummary {
  const zero = (): StateTotals => ({ count: 0, bytes: 0 });
  return {
    done: zero(),
    running: zero(),
    splitRunning: zero(),
    failed: zero(),
    other: zero(),
    recent: zero(),
    failures: [],
    inProgress: [],
  };
}

/**
 * Adds one status item to the summary: its state's totals, the rate window if it finished
 * since `windowStart` (ISO time), the recent failures and the objects in progress (at most
 * `keep` of each).
 */
function countItem(
  summary: TableSummary,
  item: Record<string, AttributeValue>,
  windowStart: string,
  keep: { readonly failures: number; readonly inProgress: number },
): void {
  const status = str(item.status);
  const size = num(item.sizeBytes);
  const endTime = str(item.endTime);
  const totals =
    status === "done" || status === "running" || status === "failed"
      ? summary[status]
      : summary.other;
  totals.count++;
  totals.bytes += size;
  if (status === "done" && endTime >= windowStart) {
    summary.recent.count++;
    summary.recent.bytes += size;
  }
  if (status === "failed") keepNewest(summary.failures, failureOf(item), keep.failures);
  if (status === "running") {
    const progress = inProgressOf(item);
    if (progress.split !== undefined) {
      summary.splitRunning.count++;
      summary.splitRunning.bytes += size;
    }
    keepOrdered(summary.inProgress, progress, keep.inProgress, (a, b) => a.lastStart < b.lastStart);
  }
}

/** The failure a `failed` status item describes. */
function failureOf(item: Record<string, AttributeValue>): RecentFailure {
  const split = splitProgressOf(item);
  return {
    srcBucket: str(item.srcBucket),
    srcKey: str(item.srcKey),
    endTime: str(item.endTime),
    errorClass: str(item.errorClass),
    attempts: num(item.attempts),
    lastError: str(item.lastError),
    // Only on split objects, so the JSON of every other failure stays as it was.
    ...(split === undefined ? {} : { split }),
  };
}

/** Inserts `failure` into `list` (newest first) and trims it to `keep` entries. */
export function keepNewest(list: RecentFailure[], failure: RecentFailure, keep: number): void {
  keepOrdered(list, failure, keep, (a, b) => a.endTime > b.endTime);
}

/**
 * Inserts `entry` into `list`, kept in the order `precedes` gives (after its equals), and
 * trims it to `keep` entries.
 */
export function keepOrdered<T>(
  list: T[],
  entry: T,
  keep: number,
  precedes: (a: T, b: T) => boolean,
): void {
  if (keep <= 0) return;
  const last = list[list.length - 1];
  if (list.length >= keep && last !== undefined && !precedes(entry, last)) return;
  const at = list.findIndex((e) => precedes(entry, e));
  list.splice(at === -1 ? list.length : at, 0, entry);
  if (list.length > keep) list.length = keep;
}

/** The full status report. */
export interface StatusReport {
  readonly time: string;
  readonly queue: QueueCounts;
  readonly dlq: QueueCounts;
  readonly objects: TableSummary;
  readonly rateWindowMinutes: number;
  /** Bytes per second of objects finished in the window. */
  readonly bytesPerSecond: number;
  /** Objects per second finished in the window. */
  readonly objectsPerSecond: number;
  /**
   * Estimated seconds until the queue is empty: messages waiting and in flight at the recent
   * object rate (a message holds one job, as the jobsender sends them); undefined without rate.
   * The queue cannot tell a giant object's slice messages from jobs, so while objects are split
   * each slice counts as an object and the estimate runs high.
   */
  readonly etaSeconds: number | undefined;
}

/** Combines queue counts and a table summary into a report with rate and ETA. */
export function buildStatusReport(
  now: Date,
  queue: QueueCounts,
  dlq: QueueCounts,
  objects: TableSummary,
  rateWindowMinutes: number,
): StatusReport {
  const seconds = rateWindowMinutes * 60;
  const objectsPerSecond = seconds > 0 ? objects.recent.count / seconds : 0;
  const remaining = queue.waiting + queue.inFlight + queue.delayed;
  return {
    time: now.toISOString(),
    queue,
    dlq,
    objects,
    rateWindowMinutes,
    bytesPerSecond: seconds > 0 ? objects.recent.bytes / seconds : 0,
    objectsPerSecond,
    etaSeconds:
      remaining === 0
        ? 0
        : objectsPerSecond > 0
          ? Math.ceil(remaining / objectsPerSecond)
          : undefined,
  };
}
