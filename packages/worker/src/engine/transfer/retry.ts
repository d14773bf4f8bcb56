import { awsErrorIs, classifyAwsError, MigrationError } from "@s3-migration/common";

/** The source changed during the copy (a pinned read answered 412): start the object over. */
export class SourceChangedError extends MigrationError {
  override name = "SourceChangedError" as const;
}

/** True for the answer of a read pinned with If-Match to an ETag the source no longer has. */
export function isPreconditionFailed(err: unknown): boolean {
  return awsErrorIs(err, "precondition-failed");
}

/** Options of {@link withRetries}. */
export interface RetryOptions {
  /** Attempts after the first. */
  readonly maxRetry: number;
  /** First backoff; doubles each attempt, with jitter, capped at 10 s. */
  readonly baseDelayMs: number;
  readonly signal?: AbortSignal | undefined;
  /** Called before each new attempt (logging). */
  readonly onRetry?: (err: unknown, attempt: number) => void;
}

/**
 * Runs `fn` again after failures the SDK's own retries cannot see: a bad digest, an ETag that
 * does not match the bytes sent, a body stream that broke after the response headers arrived.
 * Retries only what {@link classifyAwsError} calls retryable, never after an abort, a source
 * change or an upload that is gone (completed or aborted: the same part can never land again;
 * the job decides what it means), and at most `maxRetry` times: nothing retries forever.
 *
 * An error on which the SDK already spent all its attempts (its `maxAttempts` is `maxRetry + 1`,
 * see packages/common) is not retried again: a 5xx or throttling that outlasted the SDK's
 * retries would otherwise be tried (maxRetry + 1)² times, about ten minutes of backoff at the
 * default MaxRetry, before the job fails and its message goes back to the queue.
 */
export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const last = attempt >= options.maxRetry;
      if (last || options.signal?.aborted || err instanceof SourceChangedError) throw err;
      if (awsErrorIs(err, "upload-gone")) throw err;
      if (sdkRetriesSpent(err, options.maxRetry)) throw err;
      if (classifyAwsError(err) !== "retryable") throw err;
      options.onRetry?.(err, attempt + 1);
      const delay =
        Math.min(10_000, options.baseDelayMs * 2 ** attempt) * (0.5 + Math.random() / 2);
      await sleep(delay, options.signal);
    }
  }
}

/** True when the SDK made all its attempts (`$metadata.attempts` = maxRetry + 1) on `err`. */
function sdkRetriesSpent(err: unknown, maxRetry: number): boolean {
  const attempts = (err as { $metadata?: { attempts?: unknown } } | undefined)?.$metadata?.attempts;
  return typeof attempts === "number" && attempts > maxRetry;
}

/** Waits `ms`; rejects with the abort reason if `signal` aborts first. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
