import { createHash, randomBytes } from "node:crypto";
import { createLogger } from "@s3-migration/common";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryBudget } from "../memory/memory-budget.js";
import { Md5Threads, type PartHash, type PartHasher } from "./md5-threads.js";
import { FEED_BYTES, PartDigest } from "./part-digest.js";

const MIB = 1024 * 1024;
const logger = createLogger({ service: "test", level: "error" });
const md5hex = (b: Uint8Array) => createHash("md5").update(b).digest("hex");

/** Fills the lease with `bytes` in 64 KiB chunks, telling the digest after each. */
function fill(digest: PartDigest, lease: { append(c: Uint8Array): void }, bytes: Buffer): void {
  for (let at = 0; at < bytes.length; at += 64 * 1024) {
    const chunk = bytes.subarray(at, at + 64 * 1024);
    lease.append(chunk);
    digest.onChunk(chunk);
  }
}

/** A hasher recording what reaches the thread. */
function recording(threads: Md5Threads) {
  const updates: number[] = [];
  let cancelled = 0;
  const hasher: PartHasher = {
    start: (): PartHash => {
      const hash = threads.start();
      return {
        update: (b) => {
          updates.push(b.length);
          hash.update(b);
        },
        digest: () => hash.digest(),
        cancel: () => {
          cancelled++;
          hash.cancel();
        },
      };
    },
  };
  return { hasher, updates, cancelled: () => cancelled };
}

describe("PartDigest", () => {
  const threads = new Md5Threads(1);
  afterAll(() => threads.close());

  it("feeds the thread in ranges of at least 1 MiB as the part fills, and digests it", async () => {
    // Prepare
    const lease = await new MemoryBudget(64 * MIB).lease(5 * MIB + 100);
    const bytes = randomBytes(5 * MIB + 100);
    const { hasher, updates } = recording(threads);
    const digest = new PartDigest(lease, hasher, logger);
    // Act
    fill(digest, lease, bytes);
    const fedBeforeDigest = updates.reduce((a, b) => a + b, 0);
    const result = await digest.digest();
    // Assess: 5 full feeds while filling, the remainder at the end.
    expect(result.toString("hex")).toBe(md5hex(bytes));
    expect(fedBeforeDigest).toBe(5 * FEED_BYTES);
    expect(updates).toEqual([...Array(5).fill(FEED_BYTES), 100]);
  });

  it("hashes on the main thread when there is no hasher", async () => {
    const lease = await new MemoryBudget(64 * MIB).lease(3 * MIB);
    const bytes = randomBytes(3 * MIB);
    const digest = new PartDigest(lease, undefined, logger);
    fill(digest, lease, bytes);
    expect((await digest.digest()).toString("hex")).toBe(md5hex(bytes));
  });

  it("cancels the thread's hash of an abandoned part", async () => {
    const lease = await new MemoryBudget(64 * MIB).lease(3 * MIB);
    const { hasher, cancelled } = recording(threads);
    const digest = new PartDigest(lease, hasher, logger);
    fill(digest, lease, randomBytes(2 * MIB));
    digest.abandon();
    expect(cancelled()).toBe(1);
  });

  it("hashes the part on the main thread when the thread fails", async () => {
    const lease = await new MemoryBudget(64 * MIB).lease(2 * MIB);
    const bytes = randomBytes(2 * MIB);
    const failing: PartHasher = {
      start: () => ({
        update: () => undefined,
        digest: () => Promise.reject(new Error("hasher thread exited with code 1")),
        cancel: () => undefined,
      }),
    };
    const digest = new PartDigest(lease, failing, logger);
    fill(digest, lease, bytes);
    expect((await digest.digest()).toString("hex")).toBe(md5hex(bytes));
  });
});
