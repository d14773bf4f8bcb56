import { type CopyJob, formatJobMessage } from "@s3-migration/common";

/** Where planned jobs go: a `MessageSender`, or stdout in a dry run. */
export interface JobSink {
  /** Takes one message body (a sender batches it and sends it with the next full batch). */
  add(body: string): Promise<void>;
  /** Sends what is batched and waits for every send. */
  flush(): Promise<void>;
}

/** How {@link sendJobs} ended. */
export interface SendOutcome {
  /** True when the signal stopped the plan before its end. */
  readonly stopped: boolean;
}

/**
 * Hands every planned job to `sink` as its message, then flushes it. When `signal` is aborted
 * (the Lambda's deadline), stops taking jobs, still flushes what was batched, and answers
 * `stopped`. Flushing rather than dropping the batch is sound: every job the diff yielded was
 * decided on both listings up to its key, and each message is one whole job, so the queue never
 * holds part of anything; the next run's diff skips whatever the workers have copied by then.
 *
 * A failure of the plan (a listing request) while the signal is aborted is the deadline cutting
 * the listing (the SDK's AbortError), not a fault: it ends the plan as stopped. Any other failure,
 * and every failure of the sink, is thrown.
 */
export async function sendJobs(
  jobs: AsyncIterable<CopyJob>,
  sink: JobSink,
  signal?: AbortSignal,
): Promise<SendOutcome> {
  const plan = jobs[Symbol.asyncIterator]();
  let stopped = false;
  let finished = false;
  try {
    for (;;) {
      let next: IteratorResult<CopyJob>;
      try {
        next = await plan.next();
      } catch (err) {
        finished = true; // a generator that threw is closed already
        if (!signal?.aborted) throw err;
        stopped = true;
        break;
      }
      if (next.done) {
        finished = true;
        break;
      }
      await sink.add(formatJobMessage(next.value));
      if (signal?.aborted) {
        stopped = true;
        break;
      }
    }
  } finally {
    // Closes the listings (their requests are aborted) when the loop left early.
    if (!finished) await plan.return?.();
  }
  await sink.flush();
  return { stopped };
}
