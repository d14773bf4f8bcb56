import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { type CopyJob, STATUS_TABLE, statusItemId } from "@s3-migration/common";
import type { CopyResult } from "../engine/transfer/copy-types.js";
import { LeaseLostError, type UploadBinding } from "../engine/transfer/upload-ledger.js";
import type { LeanDynamoDb } from "./lean-dynamodb.js";
import { StatusBatch } from "./status-batch.js";
import {
  bindingOf,
  type Item,
  type PartsProgress,
  type StartResult,
  type StatusItem,
  statusItemOf,
} from "./status-item.js";
import {
  bindWrite,
  doneItem,
  doneWrite,
  failedWrite,
  releaseWrite,
  renewWrite,
  type StatusWrite,
  startWrite,
} from "./status-writes.js";

export type { PartsProgress, StartResult, StatusItem } from "./status-item.js";

/** The least lease time left for a `done` to go into a batch (see {@link StatusStore.done}). */
const BATCH_LEASE_MARGIN_MS = 10_000;

/** Start writes refused while the read then finds the lease free (it ended in between). */
const START_TRIES = 3;

/** The narrow DynamoDB surface the status store needs. */
export type DynamoSend = Pick<DynamoDBClient, "send">;

/**
 * One item per source object in the status table: its state and the ledger of its multipart
 * upload (fields and conditions: `status-writes.ts`). A start claims the object for one attempt
 * with a lease (owner and expiry, renewed by the heartbeat); only the lease holder binds an
 * upload, renews, confirms before completing, or releases. The end write (`done` or `failed`)
 * drops the lease; `done` drops the binding too. Every attempt has an id; the end write is
 * conditional on being the latest attempt or on the item not being `done`, so a late, slower
 * duplicate never overwrites a newer `done`, and on not having been taken over, so it never
 * drops another attempt's lease.
 */
export class StatusStore {
  readonly #db: DynamoSend;
  readonly #table: string;
  readonly #workerId: string;
  readonly #versioned: boolean;
  readonly #batch: StatusBatch | undefined;
  readonly #lean: LeanDynamoDb | undefined;

  /**
   * @param versioned - key items by source version too (`GetObjectWithVersionId`: each version
   *   copied is its own object); otherwise one item per key, with the version as an attribute.
   * @param cheaper.batched - write the `done` of single-PUT copies in batches (see {@link done}).
   * @param cheaper.updates - send UpdateItem without the SDK's middleware ({@link LeanDynamoDb}).
   */
  constructor(
    db: DynamoSend,
    table: string,
    workerId: string,
    versioned: boolean,
    cheaper: { readonly batched?: boolean; readonly updates?: LeanDynamoDb } = {},
  ) {
    this.#db = db;
    this.#table = table;
    this.#workerId = workerId;
    this.#versioned = versioned;
    this.#batch = cheaper.batched ? new StatusBatch(db, table) : undefined;
    this.#lean = cheaper.updates;
  }

  /**
   * Records the start of an attempt and claims the object's lease for `leaseMs`, unless the
   * object is `done` (ignored with `force`), another attempt's lease has not expired yet, or the
   * job is an S3 event no newer than the one whose copy is recorded (`sequencer`); then it
   * writes nothing and says which.
   */
  async start(
    job: CopyJob,
    attemptId: string,
    leaseMs: number,
    force = false,
  ): Promise<StartResult> {
    for (let tries = 1; ; tries++) {
      const write = startWrite(job, this.#workerId, attemptId, leaseMs, force, Date.now());
      const claimed = await this.#write(job, write, undefined, true);
      if (claimed !== undefined) {
        return { kind: "started", recorded: bindingOf(claimed), item: claimed };
      }
      const item = await this.#read(job);
      // A write retried after a network error may have landed the first time: then the lease
      // the retry was refused for is this attempt's own.
      if (item !== undefined && item.leaseOwner?.S === attemptId) {
        return { kind: "started", recorded: bindingOf(item), item };
      }
      const recorded = item?.sequencer?.S;
      if (job.sequencer && recorded !== undefined && recorded >= job.sequencer) {
        return { kind: "older-event", sequencer: recorded };
      }
      if (!force && item?.status?.S === "done") return { kind: "done", item: statusItemOf(item) };
      const leaseExpires = Number(item?.leaseExpires?.N ?? Number.NaN);
      const leaseOwner = item?.leaseOwner?.S ?? "";
      // Expired or released since the refusal: claim again, a few times.
      if (leaseExpires >= Date.now() || tries >= START_TRIES) {
        return { kind: "busy", leaseOwner, leaseExpires: leaseExpires || Date.now() };
      }
    }
  }

  /**
   * Records the upload this attempt created for the object (the binding, replacing any older
   * one). Throws {@link LeaseLostError} when another attempt has taken the object over.
   */
  async bind(
    job: CopyJob,
    attemptId: string,
    binding: UploadBinding,
    partsTotal: number,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.#leased(job, bindWrite(attemptId, binding, partsTotal), signal);
  }

  /**
   * Extends this attempt's lease to `leaseMs` from now (and records the parts done / total).
   * Throws {@link LeaseLostError} when another attempt has taken the object over.
   */
  async renewLease(
    job: CopyJob,
    attemptId: string,
    leaseMs: number,
    parts?: PartsProgress,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.#leased(job, renewWrite(attemptId, leaseMs, parts, Date.now()), signal);
  }

  /**
   * Gives up this attempt's lease, keeping the status and the binding (shutdown: the message is
   * released for another worker at once, which must not find the object busy). False when
   * another attempt holds the object.
   */
  async releaseLease(job: CopyJob, attemptId: string): Promise<boolean> {
    try {
      await this.#leased(job, releaseWrite(attemptId), undefined);
      return true;
    } catch (err) {
      if (err instanceof LeaseLostError) return false;
      throw err;
    }
  }

  /**
   * Records a successful copy; drops the lease and the binding. False when refused. With
   * `held` (the item as this attempt's start wrote it, and when that lease ends), a single-PUT
   * copy's record goes into a batch if the lease has at least half its time and 10 s left
   * (lease expiries compare worker clocks; EC2's time sync keeps them within milliseconds).
   */
  async done(
    job: CopyJob,
    attemptId: string,
    result: CopyResult,
    held?: { readonly item: Item; readonly leaseExpires: number; readonly leaseMs: number },
  ): Promise<boolean> {
    const now = Date.now();
    const alone = async () =>
      (await this.#write(job, doneWrite(attemptId, result, now, job.sequencer))) !== undefined;
    const margin = Math.max(BATCH_LEASE_MARGIN_MS, (held?.leaseMs ?? 0) / 2);
    if (this.#batch && held && !result.uploadId && held.leaseExpires - now > margin) {
      return this.#batch.put(doneItem(held.item, result, now, job.sequencer), alone);
    }
    return alone();
  }

  /**
   * Records a failed attempt with its error (`errorClass`: object = final, retryable = will
   * come back); drops the lease and keeps the binding, so the next attempt can resume. False
   * when refused.
   */
  async failed(
    job: CopyJob,
    attemptId: string,
    errorClass: "object" | "retryable",
    error: string,
  ): Promise<boolean> {
    const write = failedWrite(attemptId, errorClass, error, Date.now());
    return (await this.#write(job, write)) !== undefined;
  }

  /**
   * One conditional write of another concern's expressions (the split's, `split/split-writes.ts`):
   * the item as written, or `undefined` when the condition refused it.
   */
  async update(job: CopyJob, write: StatusWrite, signal?: AbortSignal): Promise<Item | undefined> {
    return this.#write(job, write, signal, true);
  }

  /** The item of one object, if any. */
  async get(job: CopyJob): Promise<StatusItem | undefined> {
    const item = await this.#read(job);
    return item === undefined ? undefined : statusItemOf(item);
  }

  /** A lease holder's write; refused → {@link LeaseLostError}. */
  async #leased(job: CopyJob, write: StatusWrite, signal: AbortSignal | undefined): Promise<void> {
    if ((await this.#write(job, write, signal)) !== undefined) return;
    throw new LeaseLostError(`another attempt holds ${job.srcBucket}/${job.srcKey} now`);
  }

  /** One conditional write: the item as written (with `allNew`, else `{}`), or `undefined` when refused. */
  async #write(
    job: CopyJob,
    write: StatusWrite,
    signal?: AbortSignal,
    allNew = false,
  ): Promise<Item | undefined> {
    const input = {
      TableName: this.#table,
      Key: this.#key(job),
      UpdateExpression: write.update,
      ConditionExpression: write.condition,
      ExpressionAttributeNames: write.names,
      ExpressionAttributeValues: write.values,
      ...(allNew ? { ReturnValues: "ALL_NEW" as const } : {}),
    };
    try {
      const out =
        (await this.#lean?.updateItem(input, signal)) ??
        (await this.#db.send(new UpdateItemCommand(input), { abortSignal: signal }));
      return out.Attributes ?? {};
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  }

  async #read(job: CopyJob): Promise<Item | undefined> {
    const out = await this.#db.send(
      new GetItemCommand({ TableName: this.#table, Key: this.#key(job), ConsistentRead: true }),
    );
    return out.Item;
  }

  #key(job: CopyJob) {
    const version = this.#versioned ? job.versionId : undefined;
    return { [STATUS_TABLE.partitionKey]: { S: statusItemId(job.srcBucket, job.srcKey, version) } };
  }
}
