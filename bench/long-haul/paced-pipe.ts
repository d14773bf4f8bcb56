/**
 * One direction of one emulated connection: every slice of a chunk leaves after the bytes
 * before it have been "serialized" at the connection's rate (and the link's total rate, when
 * capped), then arrives one propagation delay later. Chunks keep their order (one FIFO timer queue per
 * direction); the source is paused while more than `windowBytes` wait, as a socket buffer
 * and the peer's TCP window would hold it back.
 */
import type { Socket } from "node:net";

/** A rate shared by several directions (the link's total cap): the time it is next free. */
export interface RateClock {
  /** Bytes per second. */
  readonly bytesPerSec: number;
  /** `performance.now()` time (ms) at which the last scheduled byte has left. */
  freeAt: number;
}

/** Options of a {@link PacedPipe}. */
export interface PacedPipeOptions {
  /** Added to every chunk after it has left (half the round trip), in ms. */
  readonly delayMs: number;
  /** This direction's own rate. */
  readonly rate: RateClock;
  /** The link's total rate for this direction, shared by every connection. @default none */
  readonly total?: RateClock | undefined;
  /** Nothing leaves before this `performance.now()` time (a handshake still under way). @default 0 */
  readonly notBefore?: number;
  /** Bytes waiting (not yet delivered) above which the source is paused. */
  readonly windowBytes: number;
  /**
   * Chunks are cut into slices of at most this many bytes, each paced and delivered as one
   * burst (see {@link pacingSliceBytes}). @default 16 KiB
   */
  readonly sliceBytes?: number;
}

/**
 * The burst a connection's pacing releases at once: the bytes one one-way delay carries at
 * the connection's rate (a TCP sender, too, releases about a window per round trip), at least
 * 16 KiB and at most 128 KiB. Finer pacing cost the proxy so much CPU with a few hundred
 * connections on two cores that it, not the modelled link, set the pace (`link-probe.ts`:
 * 244 connections took 1.63× the model with 16 KiB slices, 1.23× with 128 KiB).
 */
export function pacingSliceBytes(bytesPerSec: number, delayMs: number): number {
  return Math.round(Math.min(128 * 1024, Math.max(16 * 1024, (bytesPerSec * delayMs) / 1000)));
}

interface Queued {
  readonly at: number;
  readonly chunk: Buffer | null;
}

/** Forwards `from` to `to` through the emulated link (see the file's comment). */
export class PacedPipe {
  readonly #from: Socket;
  readonly #to: Socket;
  readonly #o: PacedPipeOptions;
  readonly #queue: Queued[] = [];
  #head = 0;
  #waiting = 0;
  #timer: NodeJS.Timeout | undefined;
  #notBefore: number;

  constructor(from: Socket, to: Socket, options: PacedPipeOptions) {
    this.#from = from;
    this.#to = to;
    this.#o = options;
    this.#notBefore = options.notBefore ?? 0;
    from.on("data", (chunk: Buffer) => this.#push(chunk));
    from.on("end", () => this.#enqueue(null, this.#leave(0)));
  }

  /** Drops what is still queued (the connection was reset). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#queue.length = 0;
    this.#head = 0;
  }

  #push(chunk: Buffer): void {
    const step = this.#o.sliceBytes ?? 16 * 1024;
    for (let i = 0; i < chunk.length; i += step) {
      const slice = chunk.subarray(i, i + step);
      this.#waiting += slice.length;
      this.#enqueue(slice, this.#leave(slice.length));
    }
    if (this.#waiting > this.#o.windowBytes) this.#from.pause();
  }

  /** When `bytes` more bytes have left: after the ones before them, at the rate(s). */
  #leave(bytes: number): number {
    const now = performance.now();
    const own = this.#o.rate;
    own.freeAt = Math.max(now, this.#notBefore, own.freeAt) + (bytes * 1000) / own.bytesPerSec;
    let at = own.freeAt;
    const total = this.#o.total;
    if (total !== undefined) {
      total.freeAt =
        Math.max(now, this.#notBefore, total.freeAt) + (bytes * 1000) / total.bytesPerSec;
      at = Math.max(at, total.freeAt);
    }
    return at;
  }

  #enqueue(chunk: Buffer | null, leaves: number): void {
    // Arrival times only grow: a chunk never overtakes the one before it.
    const last = this.#queue[this.#queue.length - 1];
    const at = Math.max(leaves + this.#o.delayMs, last?.at ?? 0);
    this.#queue.push({ at, chunk });
    if (this.#queue.length - this.#head === 1) this.#arm();
  }

  #arm(): void {
    const next = this.#queue[this.#head];
    if (next === undefined) return;
    this.#timer = setTimeout(() => this.#deliver(), Math.max(0, next.at - performance.now()));
  }

  #deliver(): void {
    const now = performance.now();
    for (let next = this.#queue[this.#head]; next !== undefined && next.at <= now + 1; ) {
      this.#head++;
      if (next.chunk === null) this.#to.end();
      else if (!this.#to.destroyed) {
        this.#to.write(next.chunk);
        this.#waiting -= next.chunk.length;
      }
      next = this.#queue[this.#head];
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    if (this.#waiting <= this.#o.windowBytes / 2 && this.#from.isPaused()) this.#from.resume();
    this.#arm();
  }
}
