/**
 * A byte budget shared by every copy in a worker process: a part reserves its size before its
 * ranged GET starts and releases it once uploaded, so part buffers never exceed the budget
 * (`MemoryBudgetMB`), whatever mix of objects runs. Waiters are served in arrival order, so a
 * big part is not starved by a stream of small ones. A part larger than the whole budget runs
 * alone (when nothing else is held) rather than never.
 */
export class MemoryBudget {
  readonly capacity: number;
  #used = 0;
  #peak = 0;
  readonly #waiters: { bytes: number; resolve: () => void }[] = [];

  constructor(capacityBytes: number) {
    if (!Number.isSafeInteger(capacityBytes) || capacityBytes < 1) {
      throw new RangeError(
        `memory budget [${capacityBytes}] must be a positive whole number of bytes`,
      );
    }
    this.capacity = capacityBytes;
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
