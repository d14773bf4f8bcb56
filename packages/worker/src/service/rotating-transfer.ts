import {
  type AwsClients,
  type Config,
  createS3Client,
  type Logger,
  loadCredentials,
  type SideCredentials,
} from "@s3-migration/common";
import type { PartHasher } from "../engine/hashing/md5-threads.js";
import { BandwidthCap } from "../engine/memory/bandwidth-cap.js";
import { MemoryBudget } from "../engine/memory/memory-budget.js";
import type { ConnectionPool } from "../engine/transfer/connection-pool.js";
import type { TransferDeps } from "../engine/transfer/copy-types.js";
import { transferOptionsFromConfig } from "../engine/transfer/transfer-options.js";
import { leanPaths } from "../lean-s3/lean-s3.js";

/** The deps one job copies with; `release()` once the job no longer uses them. */
export interface TransferLease {
  readonly deps: TransferDeps;
  release(): void;
}

interface Generation {
  readonly deps: TransferDeps;
  /** Closes what this generation owns (the access-key side's client and its sockets). */
  readonly destroy: () => void;
  users: number;
  retired: boolean;
}

/**
 * The transfer deps jobs copy with, whose access-key side can be replaced when the key is
 * rotated. A replaced generation is destroyed (its client's sockets closed) as soon as the
 * last job that holds it releases it: jobs already copying keep a working client, and no
 * rotation leaks a client.
 *
 * @example
 * const lease = transfer.acquire();
 * try { await copyObject(job, lease.deps); } finally { lease.release(); }
 */
export class RotatingTransfer {
  #current: Generation;
  #closed = false;

  /** `destroy` closes what `deps` owns that a later {@link replace} makes obsolete. */
  constructor(deps: TransferDeps, destroy: () => void) {
    this.#current = { deps, destroy, users: 0, retired: false };
  }

  /** The current deps, held until `release()`. */
  acquire(): TransferLease {
    if (this.#closed) throw new Error("RotatingTransfer is closed");
    const generation = this.#current;
    generation.users++;
    let released = false;
    return {
      deps: generation.deps,
      release: () => {
        if (released) return;
        released = true;
        generation.users--;
        if (generation.retired && generation.users === 0) generation.destroy();
      },
    };
  }

  /** New jobs get `deps`; the previous deps are destroyed once no job holds them. */
  replace(deps: TransferDeps, destroy: () => void): void {
    const previous = this.#current;
    this.#current = { deps, destroy, users: 0, retired: false };
    this.#retire(previous);
  }

  /** At exit: destroys the current deps (a held, replaced generation goes when released). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#retire(this.#current);
  }

  #retire(generation: Generation): void {
    generation.retired = true;
    if (generation.users === 0) generation.destroy();
  }
}

/**
 * The transfer deps every job copies with, built from the config, and the function that
 * re-reads the credentials parameter when the access key is rejected (true when it changed).
 * On rotation only the access-key side's client is rebuilt; the replaced one is destroyed once
 * no running job holds it.
 */
export function rotatingTransfer(
  config: Config,
  clients: AwsClients,
  credentials: SideCredentials,
  parts: {
    readonly ssm: Parameters<typeof loadCredentials>[1];
    readonly logger: Logger;
    readonly hasher: PartHasher;
    /** The worker-wide connection cap, shared with the poll loop. */
    readonly connections: ConnectionPool;
  },
): { transfer: RotatingTransfer; refreshCredentials: () => Promise<boolean> } {
  const { ssm, logger, hasher, connections } = parts;
  const keyedIsSource = clients.sides.source === "access-key";
  const initial: TransferDeps = {
    source: clients.sourceS3,
    destination: clients.destinationS3,
    budget: new MemoryBudget(config.memoryBudgetBytes),
    connections,
    bandwidth:
      config.maxBandwidthBytesPerSec > 0
        ? new BandwidthCap(config.maxBandwidthBytesPerSec)
        : undefined,
    options: transferOptionsFromConfig(config),
    logger,
    hasher,
    lean: leanPaths(clients.sourceS3, clients.destinationS3),
  };
  const transfer = new RotatingTransfer(initial, () =>
    (keyedIsSource ? clients.sourceS3 : clients.destinationS3).destroy(),
  );
  let current = credentials;
  const refreshCredentials = async (): Promise<boolean> => {
    const fresh = await loadCredentials(config.credentialsParameter, ssm);
    if (JSON.stringify(fresh) === JSON.stringify(current)) return false;
    current = fresh;
    const keyed = createS3Client("access-key", config, fresh);
    const source = keyedIsSource ? keyed : clients.sourceS3;
    const destination = keyedIsSource ? clients.destinationS3 : keyed;
    transfer.replace(
      { ...initial, source, destination, lean: leanPaths(source, destination) },
      () => keyed.destroy(),
    );
    return true;
  };
  return { transfer, refreshCredentials };
}
