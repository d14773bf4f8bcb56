import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { BandwidthCap, type CapClock, throttle } from "./bandwidth-cap.js";

const KIB = 1024;
const MIB = 1024 * KIB;

/** Settles what promise callbacks and stream events are due (a few macrotask turns). */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

/** A clock that only moves when the test says so. */
class ManualClock implements CapClock {
  #now = 0;
  #sleepers: { at: number; wake: () => void }[] = [];

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const sleeper = { at: this.#now + ms, wake: resolve };
      this.#sleepers.push(sleeper);
      signal.addEventListener("abort", () => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        reject(signal.reason);
      });
    });
  }

  /** Moves time forward by `ms`, waking each sleeper at its own time. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      const next = this.#sleepers.toSorted((a, b) => a.at - b.at)[0];
      if (next === undefined || next.at > end) break;
      this.#sleepers = this.#sleepers.filter((s) => s !== next);
      this.#now = next.at;
      next.wake();
      await settle();
    }
    this.#now = end;
    await settle();
  }
}

describe("BandwidthCap", () => {
  it("holds the rate over an interval, and never lets more than the burst through ahead", async () => {
    // Prepare: 1 MiB/s, one reader asking for 16 KiB chunks as fast as it is let.
    const clock = new ManualClock();
    const cap = new BandwidthCap(MIB, clock);
    let granted = 0;
    let stop = false;
    const reader = (async () => {
      while (!stop) {
        await cap.take(16 * KIB);
        granted += 16 * KIB;
      }
    })();
    // Act: 3 s in steps of 10 ms.
    let worstAhead = 0;
    for (let t = 10; t <= 3000; t += 10) {
      await clock.advance(10);
      worstAhead = Math.max(worstAhead, granted - (MIB * t) / 1000);
    }
    const atThreeSeconds = granted;
    stop = true;
    await clock.advance(100);
    await reader;
    // Assess: at 3 s, 3 MiB plus at most the burst; never more than the burst ahead of the rate.
    expect(cap.burstBytes).toBe(64 * KIB);
    expect(worstAhead).toBeLessThanOrEqual(cap.burstBytes);
    expect(atThreeSeconds).toBeGreaterThanOrEqual(3 * MIB - 16 * KIB);
    expect(atThreeSeconds).toBeLessThanOrEqual(3 * MIB + cap.burstBytes);
  });

  it("bounds the burst to 50 ms of bytes, and at least one 64 KiB chunk", () => {
    expect(new BandwidthCap(100 * MIB).burstBytes).toBe(Math.floor(5 * MIB));
    expect(new BandwidthCap(MIB).burstBytes).toBe(64 * KIB);
  });

  it("lets an idle bucket refill only up to the burst", async () => {
    // Prepare
    const clock = new ManualClock();
    const cap = new BandwidthCap(MIB, clock);
    await clock.advance(10_000); // idle for 10 s
    // Act
    let taken = 0;
    while (cap.tryTake(16 * KIB)) taken += 16 * KIB;
    // Assess
    expect(taken).toBe(64 * KIB);
  });

  it("serves waiters in arrival order, so a big read is not starved by small ones", async () => {
    // Prepare: the burst spent; a 64 KiB read waits, then a 1 KiB one arrives.
    const clock = new ManualClock();
    const cap = new BandwidthCap(MIB, clock);
    expect(cap.tryTake(64 * KIB)).toBe(true);
    const order: string[] = [];
    const big = cap.take(64 * KIB).then(() => order.push("big"));
    const small = cap.take(KIB).then(() => order.push("small"));
    // Act + Assess: after 2 ms the bucket holds 2 KiB, enough for the small read, which waits.
    await clock.advance(2);
    expect(order).toEqual([]);
    expect(cap.tryTake(KIB)).toBe(false);
    await clock.advance(61); // 63 ms: 64 KiB earned
    expect(order).toEqual(["big"]);
    await clock.advance(1);
    await Promise.all([big, small]);
    expect(order).toEqual(["big", "small"]);
  });

  it("lets a read larger than the burst through and makes the next one pay for it", async () => {
    const clock = new ManualClock();
    const cap = new BandwidthCap(MIB, clock);
    expect(cap.tryTake(MIB)).toBe(true); // the bucket was full
    let next = false;
    const pending = cap.take(KIB).then(() => {
      next = true;
    });
    // The bucket is 960 KiB in debt: the next 1 KiB waits 961 KiB at 1 MiB/s (939 ms).
    await clock.advance(930);
    expect(next).toBe(false);
    await clock.advance(10);
    await pending;
    expect(next).toBe(true);
  });

  it("rejects an aborted wait with the signal's reason and takes nothing", async () => {
    // Prepare: the burst spent; a read waits for 64 KiB.
    const clock = new ManualClock();
    const cap = new BandwidthCap(MIB, clock);
    cap.tryTake(64 * KIB);
    const controller = new AbortController();
    const aborted = cap.take(64 * KIB, controller.signal);
    await clock.advance(10);
    // Act
    controller.abort(new Error("job timeout"));
    let servedAt: number | undefined;
    const after = cap.take(64 * KIB).then(() => {
      servedAt = clock.now();
    });
    // Assess: the next read is served when 64 KiB are earned from the start, as if the aborted
    // one had never asked (with its 64 KiB taken it would wait until 125 ms).
    await expect(aborted).rejects.toThrow("job timeout");
    await clock.advance(100);
    await after;
    expect(servedAt).toBe(63);
    await expect(cap.take(KIB, controller.signal)).rejects.toThrow("job timeout");
  });

  it("keeps serving the others when a waiter behind the first gives up", async () => {
    const clock = new ManualClock();
    const cap = new BandwidthCap(MIB, clock);
    cap.tryTake(64 * KIB);
    const controller = new AbortController();
    const first = cap.take(32 * KIB);
    const quitter = cap.take(32 * KIB, controller.signal);
    let lastAt: number | undefined;
    const last = cap.take(32 * KIB).then(() => {
      lastAt = clock.now();
    });
    controller.abort(new Error("shutdown"));
    await expect(quitter).rejects.toThrow("shutdown");
    await clock.advance(100);
    await Promise.all([first, last]);
    expect(lastAt).toBe(63); // 64 KiB earned; with the quitter's 32 KiB taken, 94 ms
  });

  it("rejects a rate that is not a positive number", () => {
    expect(() => new BandwidthCap(0)).toThrow(/bandwidth cap \[0\] must be a positive/);
    expect(() => new BandwidthCap(Number.NaN)).toThrow(RangeError);
  });
});

describe("throttle", () => {
  /** A source that hands out `total` bytes in 64 KiB chunks on demand, counting what it made. */
  function countingSource(total: number): { body: Readable; produced: () => number } {
    let produced = 0;
    const body = new Readable({
      read() {
        if (produced >= total) return void this.push(null);
        const size = Math.min(64 * KIB, total - produced);
        produced += size;
        this.push(Buffer.alloc(size, produced % 251));
      },
    });
    return { body, produced: () => produced };
  }

  it("pauses the source while it waits, instead of reading ahead", async () => {
    // Prepare: 1 MiB/s on a clock that does not move: the 64 KiB burst, then nothing.
    const cap = new BandwidthCap(MIB, new ManualClock());
    const { body, produced } = countingSource(8 * MIB);
    const controller = new AbortController();
    const gated = throttle(body, cap, controller.signal);
    let received = 0;
    gated.on("data", (chunk: Buffer) => {
      received += chunk.length;
    });
    // Act
    await settle();
    // Assess: one chunk through, and the source asked for only what the streams' buffers hold.
    expect(received).toBe(64 * KIB);
    expect(produced()).toBeLessThanOrEqual(256 * KIB);
    controller.abort(new Error("shutdown"));
    await expect(new Promise((_, reject) => gated.on("error", reject))).rejects.toThrow("shutdown");
    expect(body.destroyed).toBe(true);
  });

  it("passes every byte through, in order", async () => {
    const clock = new ManualClock();
    const cap = new BandwidthCap(MIB, clock);
    const { body } = countingSource(300 * KIB);
    const chunks: Buffer[] = [];
    let finished = false;
    const done = (async () => {
      for await (const chunk of throttle(body, cap)) chunks.push(chunk as Buffer);
      finished = true;
    })();
    // Small steps: each chunk's wait starts only once the streams have moved the one before.
    for (let t = 0; t < 1000 && !finished; t += 10) await clock.advance(10);
    await done;
    const all = Buffer.concat(chunks);
    expect(all.length).toBe(300 * KIB);
    expect(all[0]).toBe((64 * KIB) % 251);
    expect(all[all.length - 1]).toBe((300 * KIB) % 251);
  });

  it("fails with the source's error", async () => {
    const cap = new BandwidthCap(MIB);
    const body = new Readable({ read() {} });
    const gated = throttle(body, cap);
    setImmediate(() => body.destroy(new Error("socket hang up")));
    await expect(
      (async () => {
        for await (const _ of gated) {
          // only the error matters
        }
      })(),
    ).rejects.toThrow("socket hang up");
  });
});
