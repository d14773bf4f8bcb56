import type { ReportProblem, Unchecked } from "./settings-checks.js";

/**
 * How new objects of the bucket map's source buckets reach the job queue (issue 19):
 * - `none`: they do not; the jobsender's runs find them (and `eventSource`'s stack-owned bucket
 *   may still feed the queue).
 * - `eventbridge`: EventBridge notifications are turned on for each source bucket, and one rule
 *   on the default bus sends their "Object Created" events under the mapped prefixes to the job
 *   queue; the worker routes each by the bucket map (longest source prefix).
 */
export type SourceBucketEvents = "none" | "eventbridge";

export const SOURCE_BUCKET_EVENTS: readonly SourceBucketEvents[] = ["none", "eventbridge"];

/** The source-bucket event settings, part of `MigrationSettings`. */
export interface SourceEventSettings {
  /**
   * `none` or `eventbridge` (see {@link SourceBucketEvents}); `eventbridge` needs jobType PUT,
   * the stack in the source buckets' account and region. @default "none"
   */
  readonly sourceBucketEvents?: SourceBucketEvents;
}

export const SOURCE_EVENT_DEFAULTS = {
  sourceBucketEvents: "none",
} as const satisfies Required<SourceEventSettings>;

/** How `-c key=value` text of each setting is read (see app-config.ts). */
export const SOURCE_EVENT_KINDS = {
  sourceBucketEvents: "string",
} as const satisfies Record<keyof SourceEventSettings, "string">;

/**
 * The value, and `eventbridge` only where the stack's side is the sources': S3 puts a bucket's
 * events on the default bus of the bucket's own account and region, and the stack turns the
 * notifications on with its account's rights, so it must be deployed there (jobType PUT).
 */
export function checkSourceEvents(s: Unchecked, bad: ReportProblem): void {
  if (!SOURCE_BUCKET_EVENTS.includes(s.sourceBucketEvents)) {
    bad(
      "sourceBucketEvents",
      s.sourceBucketEvents,
      "none, or eventbridge (the source buckets' Object Created events through EventBridge to the job queue)",
    );
    return;
  }
  if (s.sourceBucketEvents === "eventbridge" && s.jobType !== "PUT")
    bad(
      "sourceBucketEvents",
      s.sourceBucketEvents,
      `none with jobType ${s.jobType}: eventbridge needs jobType PUT, the stack deployed in the source buckets' account and region (its role reads the sources); with jobType GET the sources are on the stored key's side, whose buckets and EventBridge the stack cannot configure`,
    );
}
