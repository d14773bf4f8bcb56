import type { CopyJob, Logger } from "@s3-migration/common";
import {
  LeaseLostError,
  type UploadBinding,
  type UploadLedger,
} from "../engine/transfer/upload-ledger.js";
import type { Item } from "./status-item.js";
import type { PartsProgress, StatusStore } from "./status-store.js";

/**
 * One attempt's hold on one object, from a successful `start` to the end write: the engine's
 * {@link UploadLedger} (the recorded binding, `bind`, `confirm`), the parts done / total the
 * engine reports, and the renewal the message's heartbeat makes. Once another attempt has
 * taken the object over (a renewal, bind or confirm refused), {@link signal} aborts with a
 * {@link LeaseLostError}: this attempt must stop without completing or recording anything.
 */
export class ObjectLease {
  readonly #status: StatusStore;
  readonly #job: CopyJob;
  readonly #attemptId: string;
  readonly #leaseMs: number;
  readonly #log: Logger;
  readonly #lost = new AbortController();
  #recorded: UploadBinding | undefined;
  #parts: PartsProgress | undefined;
  #ended = false;
  readonly #started: Item | undefined;

  constructor(
    status: StatusStore,
    job: CopyJob,
    attemptId: string,
    leaseMs: number,
    recorded: UploadBinding | undefined,
    log: Logger,
    started?: Item,
  ) {
    this.#started = started;
    this.#status = status;
    this.#job = job;
    this.#attemptId = attemptId;
    this.#leaseMs = leaseMs;
    this.#recorded = recorded;
    this.#log = log;
  }

  /** Aborted, with a {@link LeaseLostError}, once another attempt has taken the object over. */
  get signal(): AbortSignal {
    return this.#lost.signal;
  }

  /** True once another attempt has taken the object over. */
  get lost(): boolean {
    return this.#lost.signal.aborted;
  }

  /**
   * The item as this attempt's start wrote it, and when that start's lease ends: what a batched
   * `done` record is built from (see `StatusStore.done`).
   */
  get held(): { item: Item; leaseExpires: number; leaseMs: number } | undefined {
    const item = this.#started;
    const leaseExpires = Number(item?.leaseExpires?.N);
    if (item === undefined || !Number.isFinite(leaseExpires)) return undefined;
    return { item, leaseExpires, leaseMs: this.#leaseMs };
  }

  /** The engine's `onParts`: remembered for the next renewal. */
  readonly onParts = (done: number, total: number): void => {
    this.#parts = { done, total };
  };

  /** The ledger the engine resumes from and records into, for this attempt. */
  ledger(): UploadLedger {
    const lease = this;
    return {
      get recorded() {
        return lease.#recorded;
      },
      bind: async (binding, signal) => {
        const total = Math.max(1, Math.ceil(binding.sourceSize / binding.partSize));
        await lease.#guard(
          lease.#status.bind(lease.#job, lease.#attemptId, binding, total, signal),
        );
        lease.#recorded = binding;
      },
      confirm: (signal) => lease.#guard(lease.#renew(signal)),
    };
  }

  /**
   * The heartbeat's renewal. A refusal (taken over) aborts {@link signal}; any other failure
   * is logged and the next beat tries again (the lease runs a whole visibility timeout).
   */
  async renew(): Promise<void> {
    if (this.#ended || this.lost) return;
    try {
      await this.#guard(this.#renew());
    } catch (err) {
      if (err instanceof LeaseLostError) return;
      this.#log.warn("lease renewal failed", { error: err });
    }
  }

  /**
   * Gives the lease up (shutdown: the message is released at once, and the next attempt must
   * not find the object busy); a failure is logged, the lease then runs out on its own.
   */
  async release(): Promise<void> {
    this.end();
    try {
      await this.#status.releaseLease(this.#job, this.#attemptId);
    } catch (err) {
      this.#log.warn("lease release failed", { error: err });
    }
  }

  /** No renewal after this (the end write drops the lease). */
  end(): void {
    this.#ended = true;
  }

  #renew(signal?: AbortSignal): Promise<void> {
    return this.#status.renewLease(this.#job, this.#attemptId, this.#leaseMs, this.#parts, signal);
  }

  /** Runs a lease-holder's write; a refusal marks the lease lost (unless ended) and rethrows. */
  async #guard(write: Promise<void>): Promise<void> {
    try {
      await write;
    } catch (err) {
      if (err instanceof LeaseLostError && !this.#ended) this.#lost.abort(err);
      throw err;
    }
  }
}
