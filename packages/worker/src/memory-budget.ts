import { type BufferLease, BufferPool } from "./buffer-lease.js";

/** How long an idle part buffer is kept for reuse. */
const IDLE_BUFFER_MS = 5_000;

/**
 * A byte budget shared by every copy in a worker process: a part reserves its size before its
 * ranged GET starts and releases it once uploaded, so part buffers never exceed the budget
 * (`MemoryBudgetMB`), whatever mix of objects runs. Waiters are served in arrival order, so a
 * big part is not starved by a stream of small ones. A part larger than the whole budget runs
 * alone (when nothing else is held) rather than never.
 *
 * Part buffers themselves come from {@link MemoryBudget.lease}: they are reused from part to
 * part, and an idle one keeps its bytes reserved until it is reused, dropped after 5 s idle,
 * or handed back the moment another reservation would have to wait.
 */
export class MemoryBudget {
  readonly capacity: number;
  #used = 0;
  #peak = 0;
  readonly #waiters: { bytes: number; resolve: () => void }[] = [];
  readonly #pool: BufferPool;

  constructor(capacityBytes: number) {
    if (!Number.isSafeInteger(capacityBytes) || capacityBytes < 1) {
      throw new RangeError(
        `memory budget [${capacityBytes}] must be a positive whole number of bytes`,
      );
    }
    this.capacity = capacityBytes;
    this.#pool = new BufferPool(
      (bytes, signal) => this.reserve(bytes, signal),
      () => this.#waiters.length > 0,
      IDLE_BUFFER_MS,
    );
  }

  /**
   * A part buffer of `bytes` bytes, reserved in the budget (an idle buffer of that size is
   * reused). Fill it, send it, then `release(true)` only once the destination acknowledged
   * every byte; after a failed send `release(false)` (see {@link BufferLease}).
   */
  lease(bytes: number, signal?: AbortSignal): Promise<BufferLease> {
    return this.#pool.acquire(bytes, signal);
  }

  /** Bytes held by idle part buffers waiting to be reused (part of `used`). */
  get idleBytes(): number {
    return this.#pool.idleBytes;
  }

  /** Bytes currently reserved. */
  get used(): number {
    return this.#used;
  }

  /** The most bytes ever reserved at once. */
  get peak(): number {
    return this.#peak;
  }

  /** Waits until `bytes` fit, reserves them, and returns the function that releases them. */
  async reserve(bytes: number, signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.#waiters.length === 0 && !this.#fits(bytes)) this.#pool.dropIdle();
    if (this.#waiters.length === 0 && this.#fits(bytes)) {
      this.#take(bytes);
    } else {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const i = this.#waiters.indexOf(waiter);
          if (i < 0) return;
          this.#waiters.splice(i, 1);
          reject(signal?.reason);
          this.#drain();
        };
        const waiter = {
          bytes,
          resolve: () => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          },
        };
        this.#waiters.push(waiter);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#used -= bytes;
      this.#drain();
    };
  }

  #fits(bytes: number): boolean {
    return this.#used + bytes <= this.capacity || this.#used === 0;
  }

  #take(bytes: number): void {
    this.#used += bytes;
    this.#peak = Math.max(this.#peak, this.#used);
  }

  #drain(): void {
    for (
      let next = this.#waiters[0];
      next !== undefined && this.#fits(next.bytes);
      next = this.#waiters[0]
    ) {
      this.#waiters.shift();
      this.#take(next.bytes);
      next.resolve();
    }
  }
}
