import type { Logger } from "@s3-migration/common";

/** CloudWatch namespace of the worker's Embedded Metric Format lines. */
export const METRICS_NAMESPACE = "S3Migration";

/** The counters one EMF line carries. */
export interface MetricCounts {
  BytesCopied: number;
  ObjectsCopied: number;
  ObjectsFailed: number;
  RetryableErrors: number;
  /** S3 event records no bucket-map entry and no default destination takes (dropped). */
  EventsDropped: number;
}

const UNITS: Record<keyof MetricCounts, string> = {
  BytesCopied: "Bytes",
  ObjectsCopied: "Count",
  ObjectsFailed: "Count",
  RetryableErrors: "Count",
  EventsDropped: "Count",
};

/**
 * Adds up bytes (per part, so a 2 TB object shows progress long before it ends), objects and
 * errors, and writes them once per interval as one log line in CloudWatch Embedded Metric
 * Format: the CloudWatch agent turns it into metrics with no metric filter to maintain. The
 * line is written whatever `LoggingLevel` says (printed as `info`).
 */
export class ThroughputMetrics {
  #counts: MetricCounts = zero();
  readonly #logger: Logger;
  readonly #timer: NodeJS.Timeout;

  constructor(logger: Logger, intervalMs = 60_000) {
    this.#logger = logger;
    this.#timer = setInterval(() => this.flush(), intervalMs);
    this.#timer.unref();
  }

  add(name: keyof MetricCounts, value = 1): void {
    this.#counts[name] += value;
  }

  /** Writes the counts since the last flush (nothing when all are zero). */
  flush(): void {
    const counts = this.#counts;
    this.#counts = zero();
    if (Object.values(counts).every((v) => v === 0)) return;
    writeUnfiltered(this.#logger, "throughput", {
      _aws: {
        Timestamp: Date.now(),
        CloudWatchMetrics: [
          {
            Namespace: METRICS_NAMESPACE,
            Dimensions: [[]],
            Metrics: Object.entries(UNITS).map(([Name, Unit]) => ({ Name, Unit })),
          },
        ],
      },
      ...counts,
    });
  }

  /** Stops the timer and writes what is left. */
  close(): void {
    clearInterval(this.#timer);
    this.flush();
  }
}

/** The key winston filters a line by (triple-beam's `LEVEL`), apart from the `level` it prints. */
const FILTER_LEVEL = Symbol.for("level");

/**
 * Writes an `info` line that no `LoggingLevel` filters out: the EMF line is the metrics, not a
 * diagnostic, and raising the level to WARNING must not empty the dashboard. winston filters
 * by `info[LEVEL]`, so the line is filtered as the most severe level the logger has while its
 * printed `level` stays `info` (the `error`/`warn` line counters never count it). The fields
 * a child logger adds are kept (its `write` adds them); the root's `defaultMeta` is added here,
 * as winston's `log` would.
 */
function writeUnfiltered(logger: Logger, message: string, fields: Record<string, unknown>): void {
  const [mostSevere] = Object.entries(logger.levels).reduce((a, b) => (b[1] < a[1] ? b : a));
  logger.write({
    ...logger.defaultMeta,
    ...fields,
    level: "info",
    message,
    [FILTER_LEVEL]: mostSevere,
  });
}

function zero(): MetricCounts {
  return {
    BytesCopied: 0,
    ObjectsCopied: 0,
    ObjectsFailed: 0,
    RetryableErrors: 0,
    EventsDropped: 0,
  };
}
