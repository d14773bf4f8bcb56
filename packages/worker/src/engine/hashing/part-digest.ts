import { createHash, type Hash } from "node:crypto";
import type { Logger } from "@s3-migration/common";
import type { BufferLease } from "../memory/buffer-lease.js";
import { inSharedMemory } from "../memory/shared-buffer.js";
import type { PartHash, PartHasher } from "./md5-threads.js";

/** Bytes that land in a part buffer before they are passed to the hasher thread. */
export const FEED_BYTES = 1024 * 1024;

/**
 * The MD5 of one part, computed while its ranged GET fills the lease: on a hasher thread, fed
 * every {@link FEED_BYTES} of new bytes (the thread reads them in the buffer, behind the
 * writes), or here, chunk by chunk, when there is no hasher or the buffer is not shared.
 * Either way the digest is ready right after the last byte, and the hashing overlaps the
 * download instead of following it.
 */
export class PartDigest {
  readonly #lease: BufferLease;
  readonly #logger: Logger;
  readonly #thread: PartHash | undefined;
  readonly #local: Hash | undefined;
  #fed = 0;

  constructor(lease: BufferLease, hasher: PartHasher | undefined, logger: Logger) {
    this.#lease = lease;
    this.#logger = logger;
    const onThread = hasher !== undefined && inSharedMemory(lease.bytes());
    this.#thread = onThread ? hasher.start() : undefined;
    this.#local = onThread ? undefined : createHash("md5");
  }

  /** Call after each chunk was appended to the lease (the chunk itself, for local hashing). */
  readonly onChunk = (chunk: Uint8Array): void => {
    if (this.#local !== undefined) this.#local.update(chunk);
    else if (this.#lease.filled - this.#fed >= FEED_BYTES) this.#feed();
  };

  /**
   * The MD5 of the lease's bytes. If the hasher thread fails, the part is hashed here instead
   * (with a warning): a digest is never lost to a thread.
   */
  async digest(): Promise<Buffer> {
    if (this.#local !== undefined) return this.#local.digest();
    const thread = this.#thread as PartHash;
    this.#feed();
    try {
      return await thread.digest();
    } catch (err) {
      this.#logger.warn("hasher thread failed; hashing the part on the main thread", {
        error: err,
      });
      return createHash("md5").update(this.#lease.bytes()).digest();
    }
  }

  /** Drops a thread hash that will not be digested (the GET failed). */
  abandon(): void {
    this.#thread?.cancel();
  }

  #feed(): void {
    const filled = this.#lease.filled;
    if (filled > this.#fed) this.#thread?.update(this.#lease.bytes().subarray(this.#fed, filled));
    this.#fed = filled;
  }
}
