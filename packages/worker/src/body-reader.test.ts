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
});
