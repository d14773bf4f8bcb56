import { pipeline, type Readable, Transform } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";

/** Time as the cap sees it; tests pass a clock they advance by hand. */
export interface CapClock {
  /** Milliseconds from any fixed origin. */
  now(): number;
  /** Resolves after `ms`; rejects (or resolves early) when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

const systemClock: CapClock = {
  now: () => performance.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
};

/**
 * The burst: 50 ms of bytes, so the rate holds within 5 % even over a one-second interval that
 * starts with a full bucket; at least one 64 KiB socket chunk, so a low cap still lets a whole
 * chunk through at once instead of always going into debt for it.
 */
const BURST_SECONDS = 0.05;
const MIN_BURST_BYTES = 64 * 1024;

interface Waiter {
  readonly bytes: number;
  readonly grant: () => void;
}

/**
 * The worker's cap on bytes read from the source (`MaxBandwidthMBps`), one token bucket shared
 * by every copy in the process. Every source byte also goes out to the destination, so capping
 * reads caps the link both ways. Waiters are served in arrival order: one object's reads cannot
 * starve another's. A read larger than the burst is let through once the bucket is full and
 * paid for afterwards (the bucket goes negative), so the average rate still holds.
 *
 * Readers call {@link BandwidthCap.tryTake} first (no promise when tokens are there) and
 * {@link BandwidthCap.take} only when they must wait; streams go through {@link throttle}.
 *
 * @example
 * const cap = new BandwidthCap(50 * 1024 * 1024); // 50 MiB/s
 * const body = throttle(getObjectBody, cap, signal);
 */
export class BandwidthCap {
  /** The rate, bytes per second. */
  readonly bytesPerSec: number;
  /** The most bytes the bucket holds (and so lets through at once after an idle spell). */
  readonly burstBytes: number;
  readonly #clock: CapClock;
  readonly #queue: Waiter[] = [];
  #tokens: number;
  #refilledAt: number;
  #pumping = false;
  /** Cuts the pump's sleep short when the first waiter gives up (the next may need less). */
  #nap: AbortController | undefined;

  constructor(bytesPerSec: number, clock: CapClock = systemClock) {
    if (!Number.isFinite(bytesPerSec) || bytesPerSec <= 0) {
      throw new RangeError(`bandwidth cap [${bytesPerSec}] must be a positive number of bytes/s`);
    }
    this.bytesPerSec = bytesPerSec;
    this.burstBytes = Math.max(MIN_BURST_BYTES, Math.floor(bytesPerSec * BURST_SECONDS));
    this.#clock = clock;
    this.#tokens = this.burstBytes;
    this.#refilledAt = clock.now();
  }

  /** Takes `bytes` now if nobody waits and the bucket allows it; false means call `take`. */
  tryTake(bytes: number): boolean {
    if (this.#queue.length > 0) return false;
    this.#refill();
    if (this.#tokens < Math.min(bytes, this.burstBytes)) return false;
    this.#tokens -= bytes;
    return true;
  }

  /**
   * Resolves once `bytes` may be read, after everyone who asked before. When `signal` aborts
   * first it rejects with the signal's reason and takes nothing.
   */
  take(bytes: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.tryTake(bytes)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const at = this.#queue.indexOf(waiter);
        if (at < 0) return;
        this.#queue.splice(at, 1);
        if (at === 0) this.#nap?.abort();
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        bytes,
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      this.#queue.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
      void this.#pump();
    });
  }

  /** Grants the waiters in order, sleeping until the bucket holds what the first one needs. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (let head = this.#queue[0]; head !== undefined; head = this.#queue[0]) {
        this.#refill();
        const need = Math.min(head.bytes, this.burstBytes);
        if (this.#tokens >= need) {
          this.#tokens -= head.bytes;
          this.#queue.shift();
          head.grant();
          continue;
        }
        const ms = Math.max(1, Math.ceil(((need - this.#tokens) * 1000) / this.bytesPerSec));
        const nap = new AbortController();
        this.#nap = nap;
        // Cut short or not, the loop looks at the bucket and the queue again.
        await this.#clock.sleep(ms, nap.signal).catch(() => undefined);
      }
    } finally {
      this.#pumping = false;
      this.#nap = undefined;
    }
  }

  #refill(): void {
    const now = this.#clock.now();
    const earned = ((now - this.#refilledAt) * this.bytesPerSec) / 1000;
    this.#tokens = Math.min(this.burstBytes, this.#tokens + earned);
    this.#refilledAt = now;
  }
}

/**
 * `body` passed through `cap`: the returned stream holds each chunk until the cap lets it
 * through. While it holds one, its write side is full, so the pipeline pauses `body` and TCP
 * flow control slows the sender: the socket really slows down, nothing is read ahead beyond
 * the streams' own small buffers. An error or an early destroy on either side destroys both;
 * an abort of `signal` while a chunk waits fails the returned stream with the signal's reason.
 */
export function throttle(body: Readable, cap: BandwidthCap, signal?: AbortSignal): Readable {
  const gate = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (cap.tryTake(chunk.length)) done(null, chunk);
      else cap.take(chunk.length, signal).then(() => done(null, chunk), done);
    },
  });
  // The error reaches whoever reads `gate`: pipeline destroys it with the same error.
  pipeline(body, gate, () => undefined);
  return gate;
}
