import { type CopyJob, classifyAwsError, FatalError, type Logger } from "@s3-migration/common";
import type { JobOutcome } from "./settle-rules.js";
import type { StatusStore } from "./status-store.js";
import type { ThroughputMetrics } from "./throughput-metrics.js";

/**
 * Records a failed copy in the status table: for good (object: counted, logged at error), or
 * to come back (retryable: counted, logged at warn). A fatal error is recorded as retryable
 * and rethrown as a {@link FatalError}.
 */
export async function recordFailure(
  job: CopyJob,
  attemptId: string,
  err: unknown,
  deps: { readonly status: StatusStore; readonly metrics: ThroughputMetrics },
  log: Logger,
): Promise<JobOutcome> {
  const cls = classifyAwsError(err);
  const text = err instanceof Error ? err.message : String(err);
  if (cls === "object") {
    await deps.status.failed(job, attemptId, "object", text);
    deps.metrics.add("ObjectsFailed");
    log.error("object failed", { error: err });
    return { kind: "object-failed" };
  }
  await deps.status.failed(job, attemptId, "retryable", text);
  if (cls === "fatal") throw err instanceof FatalError ? err : new FatalError(text, { cause: err });
  deps.metrics.add("RetryableErrors");
  log.warn("object copy failed, will be retried", { error: err });
  return { kind: "retry" };
}
