import { Readable } from "node:stream";
import { RetryableError } from "@s3-migration/common";
import { describe, expect, it } from "vitest";
import { fillFromBody, readExactly } from "./body-reader.js";
import { MemoryBudget } from "./memory-budget.js";

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
