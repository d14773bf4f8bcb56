import { sharedBuffer } from "./shared-buffer.js";

/**
 * Part buffers reused from part to part, so a multipart copy does not allocate (and the
 * kernel zero-fill, and the garbage collector free) a fresh multi-MiB buffer for every part.
 * A {@link BufferLease} is one part's use of one buffer: filled chunk by chunk as the ranged GET
 * arrives, then sent, then given back.
 *
 * The rules that keep a reused buffer from ever carrying the wrong bytes:
 * - a lease writes only while it is held: after `release`, `append` and `bytes` throw, so a
 *   late chunk of an abandoned GET cannot land in a buffer that another part now owns;
 * - the caller gives a buffer back for reuse only when no request can still read it: after
 *   the destination acknowledged every byte of it (a 2xx UploadPart answer is sent only once
 *   all Content-Length bytes arrived, so the socket write that read them has completed).
 *   After a failed or cancelled upload the buffer may still be queued in a socket write: it
 *   is released with `reusable = false` and dropped, never handed out again.
 */
export class BufferLease {
  #buffer: Buffer | undefined;
  #filled = 0;
  readonly #giveBack: (buffer: Buffer, reusable: boolean) => void;

  /** @internal Leases are made by {@link BufferPool.acquire}. */
  constructor(buffer: Buffer, giveBack: (buffer: Buffer, reusable: boolean) => void) {
    this.#buffer = buffer;
    this.#giveBack = giveBack;
  }

  /** Bytes the buffer can hold. */
  get capacity(): number {
    return this.#held().length;
  }

  /** Bytes appended so far. */
  get filled(): number {
    return this.#filled;
  }

  /** True once given back: the lease can no longer touch the buffer. */
  get released(): boolean {
    return this.#buffer === undefined;
  }

  /** Copies `chunk` after the bytes appended so far. Throws past the capacity or after release. */
  append(chunk: Uint8Array): void {
    const buffer = this.#held();
    if (this.#filled + chunk.length > buffer.length) {
      throw new RangeError(
        `chunk of ${chunk.length} bytes does not fit: ${this.#filled} of ${buffer.length} bytes already filled`,
      );
    }
    buffer.set(chunk, this.#filled);
    this.#filled += chunk.length;
  }

  /** The bytes appended so far (a view, not a copy). Throws after release. */
  bytes(): Buffer {
    return this.#held().subarray(0, this.#filled);
  }

  /**
   * Gives the buffer back. `reusable`: no request can still read it (see the class notes);
   * otherwise it is dropped. A second call does nothing.
   */
  release(reusable: boolean): void {
    const buffer = this.#buffer;
    if (buffer === undefined) return;
    this.#buffer = undefined;
    this.#giveBack(buffer, reusable);
  }

  #held(): Buffer {
    if (this.#buffer === undefined) throw new Error("buffer lease used after release");
    return this.#buffer;
  }
}

/** A buffer and the function that releases its bytes in the budget. */
export interface HeldBuffer {
  readonly release: () => void;
  readonly buffer?: Buffer | undefined;
}

/** What a {@link BufferPool} needs from its memory budget. */
export interface PoolBudget {
  /** Reserves `bytes`; may instead hand over a buffer of that size given back meanwhile. */
  reserve(bytes: number, signal?: AbortSignal): Promise<HeldBuffer>;
  /** Whether any reservation waits for room. */
  someoneWaits(): boolean;
  /** Offers a buffer just given back (with its reservation) to a waiter; `true` if taken. */
  handOver(held: HeldBuffer & { readonly buffer: Buffer }): boolean;
}

/**
 * Idle part buffers, by size, whose bytes stay reserved in the owning memory budget while they
 * wait to be reused. The budget asks for them back (`dropIdle`) whenever a reservation would
 * otherwise have to wait, so idle buffers never hold up a copy, and they are dropped after
 * `idleMs` without use, so a worker that has moved on to small objects gives the memory back.
 */
export class BufferPool {
  readonly #budget: PoolBudget;
  readonly #idleMs: number;
  readonly #idle = new Map<number, { buffer: Buffer; release: () => void; since: number }[]>();
  #timer: NodeJS.Timeout | undefined;

  constructor(budget: PoolBudget, idleMs: number) {
    this.#budget = budget;
    this.#idleMs = idleMs;
  }

  /** Bytes held by idle buffers. */
  get idleBytes(): number {
    let n = 0;
    for (const [size, list] of this.#idle) n += size * list.length;
    return n;
  }

  /**
   * A buffer of exactly `size` bytes: an idle one when there is one, else one handed over by
   * the budget, else newly reserved and allocated.
   */
  async acquire(size: number, signal?: AbortSignal): Promise<BufferLease> {
    signal?.throwIfAborted();
    const idle = this.#idle.get(size)?.pop();
    const held = idle ?? (await this.#budget.reserve(size, signal));
    const buffer = held.buffer ?? sharedBuffer(size);
    const { release } = held;
    return new BufferLease(buffer, (b, reusable) => {
      if (!reusable) release();
      else if (this.#budget.handOver({ buffer: b, release })) return;
      else if (this.#budget.someoneWaits()) release();
      else this.#keep(size, b, release);
    });
  }

  /** Drops every idle buffer and releases its bytes. */
  dropIdle(): void {
    const all = [...this.#idle.values()].flat();
    this.#idle.clear();
    for (const entry of all) entry.release();
  }

  #keep(size: number, buffer: Buffer, release: () => void): void {
    const list = this.#idle.get(size) ?? [];
    list.push({ buffer, release, since: Date.now() });
    this.#idle.set(size, list);
    this.#timer ??= setTimeout(() => this.#dropStale(), this.#idleMs).unref();
  }

  #dropStale(): void {
    this.#timer = undefined;
    const cutoff = Date.now() - this.#idleMs;
    for (const [size, list] of this.#idle) {
      const stale = list.filter((e) => e.since <= cutoff);
      const fresh = list.filter((e) => e.since > cutoff);
      if (fresh.length === 0) this.#idle.delete(size);
      else this.#idle.set(size, fresh);
      for (const e of stale) e.release();
    }
    if (this.#idle.size > 0)
      this.#timer = setTimeout(() => this.#dropStale(), this.#idleMs).unref();
  }
}
