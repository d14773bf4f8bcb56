import type { AttributeValue } from "@aws-sdk/client-dynamodb";

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
}

const str = (v: AttributeValue | undefined): string => v?.S ?? "";
const num = (v: AttributeValue | undefined): number | undefined =>
  v?.N === undefined ? undefined : Number(v.N);

/** The object in progress a `running` status item describes. */
export function inProgressOf(item: Record<string, AttributeValue>): InProgress {
  const expires = num(item.leaseExpires);
  return {
    srcBucket: str(item.srcBucket),
    srcKey: str(item.srcKey),
    sizeBytes: num(item.sizeBytes) ?? 0,
    workerId: str(item.workerId),
    lastStart: str(item.lastStart),
    partsDone: num(item.partsDone),
    partsTotal: num(item.partsTotal),
    leaseExpires: expires === undefined ? undefined : new Date(expires).toISOString(),
  };
}

const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

/** `src/key  parts 3/10  12.0 MiB  worker i-1  since <start>  lease until <time> [expired]`. */
export function formatInProgress(p: InProgress, now: string): string {
  const parts =
    p.partsTotal === undefined ? "parts -" : `parts ${p.partsDone ?? 0}/${p.partsTotal}`;
  const lease =
    p.leaseExpires === undefined
      ? "no lease"
      : `lease until ${p.leaseExpires}${p.leaseExpires < now ? " (expired)" : ""}`;
  return [
    `${p.srcBucket}/${p.srcKey}`,
    parts,
    mib(p.sizeBytes),
    `worker ${p.workerId || "-"}`,
    `since ${p.lastStart || "-"}`,
    lease,
  ].join("  ");
}
