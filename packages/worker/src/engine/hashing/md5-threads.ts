import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { inSharedMemory } from "../memory/shared-buffer.js";

/*
 * The hasher thread's whole program (a block, so tests can put code before it). Inline (an `eval` worker) so it runs the same way from the
 * TypeScript sources, from the esbuild bundle the fleet runs, and in tests: no second file to
 * ship or to find at run time.
 */
export const HASHER_PROGRAM = `{
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const hashes = new Map();
parentPort.on("message", ({ id, memory, offset, length, end }) => {
  let hash = hashes.get(id);
  if (hash === undefined) hashes.set(id, (hash = createHash("md5")));
  if (length > 0) hash.update(new Uint8Array(memory, offset, length));
  if (end === "digest") {
    hashes.delete(id);
    parentPort.postMessage({ id, digest: new Uint8Array(hash.digest()) });
  } else if (end === "cancel") hashes.delete(id);
});
}`;

/** Hashes part buffers for the engine. */
export interface PartHasher {
  /** Starts the MD5 of one part, fed range by range as its bytes arrive. */
  start(): PartHash;
}

/** One part's MD5 on a hasher thread. */
export interface PartHash {
  /**
   * Hashes `bytes` next. They must lie in shared memory (see `sharedBuffer` in engine/memory) and stay
   * unchanged until `digest()` settles: the thread reads them where they lie, later.
   */
  update(bytes: Uint8Array): void;
  /** The MD5 of everything passed to `update`, as the raw 16 bytes. Call once. */
  digest(): Promise<Buffer>;
  /** Drops the hash (the part was abandoned). Nothing happens after `digest()`. */
  cancel(): void;
}

/**
 * One hasher thread per spare core, at least one, at most four: hashing runs beside the event
 * loop, which keeps a core busy with the sockets.
 */
export function defaultHasherThreads(cores = availableParallelism()): number {
  return Math.max(1, Math.min(4, cores - 1));
}

/** A hash started on a thread and not yet digested or cancelled. */
interface Active {
  /** Set when the thread died under it. */
  error?: Error;
  /** Set once `digest()` was asked for. */
  waiting?: { resolve: (digest: Buffer) => void; reject: (err: Error) => void };
}

interface Thread {
  readonly worker: Worker;
  readonly active: Map<number, Active>;
}

/**
 * MD5 of part buffers computed on helper threads instead of the event loop. Hashing is most of
 * a multipart copy's own CPU; on the event loop it holds
 * up every socket of every part in flight while it runs, and leaves the other cores idle. The
 * buffers lie in shared memory, so nothing is copied or transferred: the engine passes each
 * range of a part to the thread as it lands in the buffer (see `part-digest.ts`), the thread
 * hashes it where it lies, and the digest is ready right after the last byte arrived. Every
 * range of one part goes to the same thread, in order.
 *
 * Threads start on first use, are referenced only while they have work (an idle hasher never
 * keeps a process alive), and a thread that dies fails only its own hashes and is replaced on
 * the next start.
 */
export class Md5Threads implements PartHasher {
  readonly #threads: (Thread | undefined)[];
  readonly #program: string;
  #nextId = 0;
  #closed = false;

  /** `program` is for tests only: what each thread runs. */
  constructor(threads = defaultHasherThreads(), program = HASHER_PROGRAM) {
    if (!Number.isSafeInteger(threads) || threads < 1) {
      throw new RangeError(`hasher threads [${threads}] must be a whole number of at least 1`);
    }
    this.#threads = new Array<Thread | undefined>(threads).fill(undefined);
    this.#program = program;
  }

  /** Threads at most. */
  get threads(): number {
    return this.#threads.length;
  }

  /** Threads running now (they start on first use). */
  get running(): number {
    return this.#threads.filter((t) => t !== undefined).length;
  }

  start(): PartHash {
    if (this.#closed) return failedHash(new Error("hasher threads are closed"));
    const thread = this.#leastBusy();
    const id = this.#nextId++;
    const state: Active = {};
    if (thread.active.size === 0) thread.worker.ref();
    thread.active.set(id, state);
    // After the thread died, nothing more is sent: `digest()` fails with the reason.
    const post = (message: object) => {
      if (state.error === undefined) thread.worker.postMessage({ id, ...message });
    };
    let ended = false;
    return {
      update(bytes) {
        if (ended) throw new Error("hash already ended");
        if (!inSharedMemory(bytes))
          throw new TypeError("a hasher thread can only read shared memory");
        post({ memory: bytes.buffer, offset: bytes.byteOffset, length: bytes.byteLength });
      },
      digest: () => {
        if (ended) return Promise.reject(new Error("hash already ended"));
        ended = true;
        if (state.error !== undefined) {
          this.#forget(thread, id);
          return Promise.reject(state.error);
        }
        return new Promise<Buffer>((resolve, reject) => {
          state.waiting = { resolve, reject };
          post({ length: 0, end: "digest" });
        });
      },
      cancel: () => {
        if (ended) return;
        ended = true;
        post({ length: 0, end: "cancel" });
        this.#forget(thread, id);
      },
    };
  }

  /** Stops the threads; hashes not yet digested fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const threads = this.#threads.filter((t): t is Thread => t !== undefined);
    this.#threads.fill(undefined);
    await Promise.all(threads.map((t) => t.worker.terminate()));
    for (const t of threads) failActive(t, new Error("hasher threads are closed"));
  }

  #forget(thread: Thread, id: number): void {
    thread.active.delete(id);
    if (thread.active.size === 0) thread.worker.unref();
  }

  #leastBusy(): Thread {
    let best: Thread | undefined;
    for (let i = 0; i < this.#threads.length; i++) {
      const thread = this.#threads[i] ?? this.#start(i);
      if (thread.active.size === 0) return thread;
      if (best === undefined || thread.active.size < best.active.size) best = thread;
    }
    return best as Thread;
  }

  #start(index: number): Thread {
    const worker = new Worker(this.#program, { eval: true });
    const thread: Thread = { worker, active: new Map() };
    worker.unref();
    worker.on("message", (reply: { id: number; digest: Uint8Array }) => {
      const state = thread.active.get(reply.id);
      if (state?.waiting === undefined) return;
      this.#forget(thread, reply.id);
      state.waiting.resolve(Buffer.from(reply.digest.buffer, reply.digest.byteOffset, 16));
    });
    const lost = (why: string) => {
      if (this.#threads[index] === thread) this.#threads[index] = undefined;
      failActive(thread, new Error(`hasher thread ${why}`));
    };
    worker.on("error", (err) => lost(`failed: ${err.message}`));
    worker.on("exit", (code) => lost(`exited with code ${code}`));
    this.#threads[index] = thread;
    return thread;
  }
}

/** Marks every hash of a lost thread failed; those already waiting for their digest fail now. */
function failActive(thread: Thread, err: Error): void {
  for (const [id, state] of thread.active) {
    state.error = err;
    if (state.waiting !== undefined) {
      thread.active.delete(id);
      state.waiting.reject(err);
    }
  }
}

function failedHash(err: Error): PartHash {
  return {
    update() {},
    digest: () => Promise.reject(err),
    cancel() {},
  };
}
