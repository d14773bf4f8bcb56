import { createHash, randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { inSharedMemory, sharedBuffer } from "../memory/shared-buffer.js";
import { defaultHasherThreads, HASHER_PROGRAM, Md5Threads } from "./md5-threads.js";

const MIB = 1024 * 1024;
/** A hasher thread that exits on a 13-byte view, before hashing it. */
const DIES_ON_13_BYTES = `require("node:worker_threads").parentPort.on("message", (m) => {
  if (m.length === 13) process.exit(7);
});
${HASHER_PROGRAM}`;
const DEADLY = sharedBuffer(13);

/** The MD5 of `bytes` on a thread: one range, digested. */
async function digestOf(hasher: Md5Threads, bytes: Uint8Array): Promise<Buffer> {
  const hash = hasher.start();
  hash.update(bytes);
  return hash.digest();
}
const md5 = (b: Uint8Array) => createHash("md5").update(b).digest();

function sharedCopy(bytes: Uint8Array): Buffer {
  const shared = sharedBuffer(bytes.length);
  shared.set(bytes);
  return shared;
}

describe("Md5Threads", () => {
  let hasher: Md5Threads | undefined;
  afterEach(async () => {
    await hasher?.close();
    hasher = undefined;
  });

  it("hashes views into shared memory exactly as createHash does, many at once", async () => {
    // Prepare: one shared buffer, 40 overlapping views of different offsets and lengths.
    hasher = new Md5Threads(2);
    const memory = sharedCopy(randomBytes(9 * MIB));
    const views = Array.from({ length: 40 }, (_, i) =>
      memory.subarray(i * 97_001, i * 97_001 + MIB + i * 12_345),
    );
    // Act
    const digests = await Promise.all(views.map((v) => digestOf(hasher as Md5Threads, v)));
    // Assess
    expect(digests.map((d) => d?.toString("hex"))).toEqual(
      views.map((v) => md5(v).toString("hex")),
    );
    expect(hasher.running).toBe(2);
  });

  it("hashes a part fed range by range, several parts interleaved, as createHash does", async () => {
    // Prepare: three parts in one shared buffer, each fed in uneven ranges, turn by turn.
    hasher = new Md5Threads(2);
    const memory = sharedCopy(randomBytes(3 * 3 * MIB));
    const parts = [0, 1, 2].map((i) => memory.subarray(i * 3 * MIB, (i + 1) * 3 * MIB));
    const hashes = parts.map(() => hasher?.start());
    const cuts = [0, 1, 65_536, 1_048_577, 2 * MIB + 3, 3 * MIB];
    // Act
    for (let c = 1; c < cuts.length; c++) {
      for (const [i, part] of parts.entries()) {
        hashes[i]?.update(part.subarray(cuts[c - 1], cuts[c]));
      }
    }
    const digests = await Promise.all(hashes.map((h) => h?.digest()));
    // Assess
    expect(digests.map((d) => d?.toString("hex"))).toEqual(
      parts.map((p) => md5(p).toString("hex")),
    );
  });

  it("ends a hash once: digest or cancel, then nothing more", async () => {
    hasher = new Md5Threads(1);
    const cancelled = hasher.start();
    cancelled.update(sharedBuffer(10));
    cancelled.cancel();
    await expect(cancelled.digest()).rejects.toThrow(/already ended/);
    expect(() => cancelled.update(sharedBuffer(1))).toThrow(/already ended/);
    const digested = hasher.start();
    await digested.digest();
    await expect(digested.digest()).rejects.toThrow(/already ended/);
    expect(() => digested.cancel()).not.toThrow();
  });

  it("hashes an empty view", async () => {
    hasher = new Md5Threads(1);
    const digest = await digestOf(hasher, sharedBuffer(8).subarray(3, 3));
    expect(digest.toString("hex")).toBe("d41d8cd98f00b204e9800998ecf8427e");
  });

  it("refuses bytes outside shared memory with an error that says so", async () => {
    hasher = new Md5Threads(1);
    await expect(digestOf(hasher, Buffer.alloc(16))).rejects.toThrow(/shared memory/);
    expect(() => hasher?.start().update(Buffer.alloc(16))).toThrow(/shared memory/);
  });

  it("fails the pending digests of a thread that dies, and starts a new one for the next", async () => {
    // Prepare: a thread that dies on a 13-byte view.
    hasher = new Md5Threads(1, DIES_ON_13_BYTES);
    // Act: the thread dies with a digest queued behind the deadly one, and a part half fed.
    const halfFed = hasher.start();
    halfFed.update(sharedCopy(randomBytes(MIB)));
    const deadly = digestOf(hasher, DEADLY);
    const queued = digestOf(hasher, sharedCopy(randomBytes(MIB)));
    // Assess
    await expect(deadly).rejects.toThrow(/hasher thread exited with code 7/);
    await expect(queued).rejects.toThrow(/hasher thread exited with code 7/);
    halfFed.update(sharedCopy(randomBytes(MIB)));
    await expect(halfFed.digest()).rejects.toThrow(/hasher thread exited with code 7/);
    expect(hasher.running).toBe(0);
    const small = sharedCopy(Buffer.from("abc"));
    expect((await digestOf(hasher, small)).toString("hex")).toBe(md5(small).toString("hex"));
  });

  it("fails everything after close, hashes in progress included", async () => {
    hasher = new Md5Threads(1);
    const inProgress = hasher.start();
    inProgress.update(sharedBuffer(4));
    await hasher.close();
    await expect(inProgress.digest()).rejects.toThrow(/closed/);
    await expect(digestOf(hasher, sharedBuffer(4))).rejects.toThrow(/closed/);
  });

  it("rejects a thread count that is not a whole number of at least 1", () => {
    expect(() => new Md5Threads(0)).toThrow(/at least 1/);
    expect(() => new Md5Threads(1.5)).toThrow(/at least 1/);
  });
});

describe("defaultHasherThreads", () => {
  it("leaves one core to the event loop, at least one thread, at most four", () => {
    expect([1, 2, 3, 8, 64].map((cores) => defaultHasherThreads(cores))).toEqual([1, 1, 2, 4, 4]);
  });
});

describe("sharedBuffer", () => {
  it("is a Buffer of the size asked, in shared memory", () => {
    const b = sharedBuffer(1000);
    expect(Buffer.isBuffer(b)).toBe(true);
    expect(b.length).toBe(1000);
    expect(inSharedMemory(b)).toBe(true);
    expect(inSharedMemory(Buffer.alloc(10))).toBe(false);
  });
});
