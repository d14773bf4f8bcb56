import { Readable } from "node:stream";
import { RetryableError } from "@s3-migration/common";
import { describe, expect, it } from "vitest";
import { BandwidthCap } from "./bandwidth-cap.js";
import { fillFromBody, readExactly } from "./body-reader.js";
import { MemoryBudget } from "./memory-budget.js";

const MIB = 1024 * 1024;
const chunks = (...parts: string[]) => Readable.from(parts.map((p) => Buffer.from(p)));

describe("readExactly", () => {
  it("joins a stream's chunks into one buffer", async () => {
    expect((await readExactly(chunks("ab", "cd", "e"), 5)).toString()).toBe("abcde");
  });

  it("reads a body that only offers transformToByteArray", async () => {
    const body = { transformToByteArray: async () => new Uint8Array(Buffer.from("xyz")) };
    expect((await readExactly(body, 3)).toString()).toBe("xyz");
  });

  it.each([
    ["shorter", ["ab"], /was 2 bytes, expected 3/],
    ["longer", ["ab", "cd"], /was longer than 3 bytes/],
  ])("rejects a %s body as retryable", async (_what, parts, message) => {
    const err = await readExactly(chunks(...parts), 3).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).message).toMatch(message);
  });
});

describe("fillFromBody", () => {
  it("appends each chunk and passes it on for hashing", async () => {
    const lease = await new MemoryBudget(100).lease(10);
    const seen: string[] = [];
    const overflow = await fillFromBody(chunks("ab", "cde"), lease, (c) =>
      seen.push(Buffer.from(c).toString()),
    );
    expect(overflow).toBe(false);
    expect(lease.bytes().toString()).toBe("abcde");
    expect(seen).toEqual(["ab", "cde"]);
  });

  it("stops at a body longer than the buffer and destroys the stream", async () => {
    const lease = await new MemoryBudget(100).lease(3);
    const body = chunks("ab", "cd", "ef");
    expect(await fillFromBody(body, lease)).toBe(true);
    expect(lease.bytes().toString()).toBe("ab");
    expect(body.destroyed).toBe(true);
  });

  it("rejects, and destroys the stream, when a chunk cannot be taken", async () => {
    // Prepare: a lease given back while its body still streams.
    const lease = await new MemoryBudget(100).lease(10);
    const body = chunks("ab", "cd", "ef");
    let seen = 0;
    // Act
    const err = await fillFromBody(body, lease, () => {
      if (++seen === 1) lease.release(false);
    }).catch((e: unknown) => e);
    // Assess
    expect((err as Error).message).toMatch(/buffer lease used after release/);
    expect(body.destroyed).toBe(true);
  });

  it("rejects a stream that fails after some chunks", async () => {
    const lease = await new MemoryBudget(100).lease(10);
    const body = new Readable({ read() {} });
    body.push(Buffer.from("ab"));
    setImmediate(() => body.destroy(new Error("socket hang up")));
    await expect(fillFromBody(body, lease)).rejects.toThrow(/socket hang up/);
    expect(lease.bytes().toString()).toBe("ab");
  });

  it("rejects a stream that closes before its end", async () => {
    const lease = await new MemoryBudget(100).lease(10);
    const body = new Readable({ read() {} });
    body.push(Buffer.from("ab"));
    setImmediate(() => body.destroy());
    await expect(fillFromBody(body, lease)).rejects.toThrow(/premature close/i);
  });
});

describe("reading through a bandwidth cap", () => {
  /** A source that has `total` bytes ready at once, in 64 KiB chunks (a fast socket). */
  function fastSource(total: number): Readable {
    let sent = 0;
    return new Readable({
      read() {
        if (sent >= total) return void this.push(null);
        const size = Math.min(64 * 1024, total - sent);
        this.push(Buffer.alloc(size, sent / 65536));
        sent += size;
      },
    });
  }

  it("holds a 4 MiB read to the cap within 10 % (fillFromBody)", async () => {
    // Prepare: 4 MiB ready at once, a cap of 4 MiB/s.
    const total = 4 * MIB;
    const bandwidth = new BandwidthCap(4 * MIB);
    const lease = await new MemoryBudget(8 * MIB).lease(total);
    // Act
    const started = performance.now();
    const overflow = await fillFromBody(fastSource(total), lease, undefined, { bandwidth });
    const seconds = (performance.now() - started) / 1000;
    // Assess: a lower bound on the time taken, so a slow machine cannot make it fail.
    expect(overflow).toBe(false);
    expect(lease.filled).toBe(total);
    expect(total / seconds).toBeLessThanOrEqual(1.1 * bandwidth.bytesPerSec);
  });

  it("holds readExactly to the cap too, and keeps every byte in order", async () => {
    // Over one second the burst (50 ms of bytes) is 5 %: the margin the 10 % leaves.
    const total = 4 * MIB;
    const bandwidth = new BandwidthCap(4 * MIB);
    const started = performance.now();
    const bytes = await readExactly(fastSource(total), total, { bandwidth });
    const seconds = (performance.now() - started) / 1000;
    expect(total / seconds).toBeLessThanOrEqual(1.1 * bandwidth.bytesPerSec);
    expect(bytes[0]).toBe(0);
    expect(bytes[total - 1]).toBe(63);
  });

  it("caps bodies that are not streams: chunk iterables and byte sources", async () => {
    // Prepare: a clock that never moves, so only the 64 KiB burst is ever let through.
    const frozen = { now: () => 0, sleep: () => new Promise<void>(() => undefined) };
    const bandwidth = new BandwidthCap(MIB, frozen);
    const controller = new AbortController();
    const cap = { bandwidth, signal: controller.signal };
    async function* twoChunks() {
      yield new Uint8Array(64 * 1024);
      yield new Uint8Array(1);
    }
    const bytes = { transformToByteArray: async () => new Uint8Array(1) };
    // Act
    const iterated = readExactly(twoChunks(), 64 * 1024 + 1, cap);
    const whole = readExactly(bytes, 1, cap);
    controller.abort(new Error("job timeout"));
    // Assess
    await expect(iterated).rejects.toThrow("job timeout");
    await expect(whole).rejects.toThrow("job timeout");
  });

  it("stops a read that waits for the cap when the copy is aborted, and destroys the body", async () => {
    // Prepare
    const frozen = { now: () => 0, sleep: () => new Promise<void>(() => undefined) };
    const bandwidth = new BandwidthCap(MIB, frozen);
    const lease = await new MemoryBudget(8 * MIB).lease(4 * MIB);
    const body = fastSource(4 * MIB);
    const controller = new AbortController();
    // Act
    const reading = fillFromBody(body, lease, undefined, { bandwidth, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 20));
    controller.abort(new Error("shutdown"));
    // Assess: the burst got through, then nothing.
    await expect(reading).rejects.toThrow("shutdown");
    expect(lease.filled).toBe(64 * 1024);
    expect(body.destroyed).toBe(true);
  });

  it("destroys the source when a capped body is longer than the buffer", async () => {
    const lease = await new MemoryBudget(MIB).lease(100 * 1024);
    const body = fastSource(MIB);
    const bandwidth = new BandwidthCap(64 * MIB);
    expect(await fillFromBody(body, lease, undefined, { bandwidth })).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(body.destroyed).toBe(true);
  });
});
