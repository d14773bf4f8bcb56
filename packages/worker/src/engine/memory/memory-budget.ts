import { type BufferLease, BufferPool, type HeldBuffer } from "./buffer-lease.js";

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
 * or handed back the moment another reservation would have to wait. A buffer given back while
 * the first in line waits for a part buffer of exactly its size goes straight to that waiter,
 * reservation and all: with the budget full of equal parts (a huge object's, say) each part
 * reuses a buffer instead of freeing one and allocating (and page-faulting) a fresh one.
 */
export class MemoryBudget {
  readonly capacity: number;
  #used = 0;
  #peak = 0;
  readonly #waiters: Waiter[] = [];
  readonly #pool: BufferPool;

  constructor(capacityBytes: number) {
    if (!Number.isSafeInteger(capacityBytes) || capacityBytes < 1) {
      throw new RangeError(
        `memory budget [${capacityBytes}] must be a positive whole number of bytes`,
      );
    }
    this.capacity = capacityBytes;
    this.#pool = new BufferPool(
      {
        reserve: (bytes, signal) => this.#reserve(bytes, true, signal),
        someoneWaits: () => this.#waiters.length > 0,
        handOver: (held) => this.#handOver(held),
      },
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
    return (await this.#reserve(bytes, false, signal)).release;
  }

  /**
   * A reservation of `bytes`; for a part buffer (`wantsBuffer`) possibly a buffer of that size
   * handed over with its reservation (see {@link MemoryBudget.#handOver}).
   */
  async #reserve(
    bytes: number,
    wantsBuffer: boolean,
    signal?: AbortSignal,
  ): Promise<{ release: () => void; buffer?: Buffer }> {
    signal?.throwIfAborted();
    if (this.#waiters.length === 0 && !this.#fits(bytes)) this.#pool.dropIdle();
    let handed: HeldBuffer | undefined;
    if (this.#waiters.length === 0 && this.#fits(bytes)) {
      this.#take(bytes);
    } else {
      handed = await new Promise<HeldBuffer | undefined>((resolve, reject) => {
        const onAbort = () => {
          const i = this.#waiters.indexOf(waiter);
          if (i < 0) return;
          this.#waiters.splice(i, 1);
          reject(signal?.reason);
          this.#drain();
        };
        const waiter: Waiter = {
          bytes,
          wantsBuffer,
          resolve: (held) => {
            signal?.removeEventListener("abort", onAbort);
            resolve(held);
          },
        };
        this.#waiters.push(waiter);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    }
    if (handed !== undefined) return handed;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#used -= bytes;
        this.#drain();
      },
    };
  }

  /**
   * Gives a part buffer that was just given back, with its reservation, to the first waiter
   * when that waiter wants a part buffer of exactly this size. `false`: not taken (the caller
   * releases or keeps it). Only the first in line is considered, so waiters stay in order.
   */
  #handOver(held: HeldBuffer & { readonly buffer: Buffer }): boolean {
    const first = this.#waiters[0];
    if (first === undefined || !first.wantsBuffer || first.bytes !== held.buffer.length) {
      return false;
    }
    this.#waiters.shift();
    first.resolve(held);
    return true;
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
      next.resolve(undefined);
    }
  }
}

/** A reservation waiting for room (or, for a part buffer, for a buffer handed over). */
interface Waiter {
  readonly bytes: number;
  readonly wantsBuffer: boolean;
  readonly resolve: (handed: HeldBuffer | undefined) => void;
}
