import pLimit, { type LimitFunction } from "p-limit";

/**
 * The worker-wide cap on requests that carry object bytes (`MaxConnections`): every part and
 * every single-PUT copy of every object in flight runs inside {@link ConnectionPool.run}, so one
 * huge object can take every connection while it has parts left, and hundreds of small objects
 * can share them, with no count of files in between. Across a long-haul link a connection holds
 * about 1 MB/s, so throughput is the number of connections carrying bytes at once.
 *
 * The poll loop reads {@link ConnectionPool.free} to decide how many messages to take: the
 * connections no running or queued request claims. {@link ConnectionPool.released} wakes it
 * when a connection frees up. Control requests (HEAD, Create/Complete, ListParts) are not
 * counted: they carry no object bytes and the S3 clients keep a few spare sockets for them.
 */
export class ConnectionPool {
  readonly #limit: LimitFunction;
  #wake: (() => void) | undefined;
  #wakeup: Promise<void> | undefined;
  #reserved = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`connection capacity [${capacity}] must be an integer from 1 and up`);
    }
    this.#limit = pLimit(capacity);
  }

  /** Runs `request` once a connection is free (in arrival order), holding it until it settles. */
  run<T>(request: () => Promise<T>): Promise<T> {
    return this.#limit(async () => {
      try {
        return await request();
      } finally {
        this.#notify();
      }
    });
  }

  /** Requests running now. */
  get active(): number {
    return this.#limit.activeCount;
  }

  /** Requests waiting for a connection, and connections reserved for requests to come. */
  get pending(): number {
    return this.#limit.pendingCount + this.#reserved;
  }

  /**
   * Counts `count` connections as claimed until the returned function is called: for a job
   * that knows how many parts it will queue but must first ask which (a slice lists its parts),
   * so the poll loop does not take more messages in that round trip than the connections allow.
   */
  reserve(count: number): () => void {
    const n = Math.max(0, Math.min(count, this.capacity));
    this.#reserved += n;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // No wake-up: the reserved requests are queued right after, or the job ends (which wakes
      // the poll loop itself).
      this.#reserved -= n;
    };
  }

  /** Connections neither running nor claimed by a waiting request (never below 0). */
  get free(): number {
    return Math.max(0, this.capacity - this.active - this.pending);
  }

  /** Resolves the next time a request gives its connection back. */
  released(): Promise<void> {
    this.#wakeup ??= new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
    return this.#wakeup;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    this.#wakeup = undefined;
    wake?.();
  }
}
