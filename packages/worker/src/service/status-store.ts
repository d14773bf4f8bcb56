import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { type CopyJob, STATUS_TABLE, statusItemId } from "@s3-migration/common";
import type { CopyResult } from "../engine/transfer/copy-types.js";

/** The narrow DynamoDB surface the status store needs. */
export type DynamoSend = Pick<DynamoDBClient, "send">;

/** An object's status item, as far as the worker reads it back. */
export interface StatusItem {
  readonly status: string | undefined;
  readonly dstEtag: string | undefined;
  readonly sourceEtag: string | undefined;
  readonly sizeBytes: number | undefined;
}

/**
 * One item per source object in the status table. A successful copy costs two writes: the
 * start (status `running`, attempt count, first/last start, worker) and the end (`done` or
 * `failed`). Every attempt has an id; the end write is conditional on being the latest attempt
 * or on the item not being `done`, so a late, slower duplicate never overwrites a newer `done`.
 */
export class StatusStore {
  readonly #db: DynamoSend;
  readonly #table: string;
  readonly #workerId: string;
  readonly #versioned: boolean;

  /**
   * @param versioned - key items by source version too (`GetObjectWithVersionId`: each version
   *   copied is its own object); otherwise one item per key, with the version as an attribute.
   */
  constructor(db: DynamoSend, table: string, workerId: string, versioned: boolean) {
    this.#db = db;
    this.#table = table;
    this.#workerId = workerId;
    this.#versioned = versioned;
  }

  /**
   * Records the start of an attempt. Returns the existing item instead (and writes nothing)
   * when the object is already `done`, unless `force`.
   */
  async start(job: CopyJob, attemptId: string, force = false): Promise<StatusItem | undefined> {
    const now = new Date().toISOString();
    try {
      await this.#db.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: this.#key(job),
          UpdateExpression:
            "SET #status = :running, srcBucket = :sb, srcKey = :sk, dstBucket = :db, dstKey = :dk, " +
            "sizeBytes = :size, workerId = :worker, lastStart = :now, lastAttempt = :attempt, " +
            "firstStart = if_not_exists(firstStart, :now) ADD attempts :one",
          ConditionExpression: force
            ? undefined
            : "attribute_not_exists(#status) OR #status <> :done",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":running": { S: "running" },
            ":sb": { S: job.srcBucket },
            ":sk": { S: job.srcKey },
            ":db": { S: job.dstBucket },
            ":dk": { S: job.dstKey },
            ":size": { N: String(job.size) },
            ":worker": { S: this.#workerId },
            ":now": { S: now },
            ":attempt": { S: attemptId },
            ":one": { N: "1" },
            ...(force ? {} : { ":done": { S: "done" } }),
          },
        }),
      );
      return undefined;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      return this.get(job);
    }
  }

  /** Records a successful copy. */
  async done(job: CopyJob, attemptId: string, result: CopyResult): Promise<boolean> {
    return this.#finish(job, attemptId, "done", {
      bytesMoved: { N: String(result.bytesUploaded) },
      sizeBytes: { N: String(result.bytes) },
      dstEtag: { S: result.etag },
      sourceEtag: { S: result.sourceEtag },
      checksum: { S: result.checksum },
      partsReused: { N: String(result.partsReused) },
      ...(result.uploadId ? { uploadId: { S: result.uploadId } } : {}),
      ...(result.versionId ? { versionId: { S: result.versionId } } : {}),
    });
  }

  /** Records a failed attempt with its error (`errorClass`: object = final, retryable = will come back). */
  async failed(
    job: CopyJob,
    attemptId: string,
    errorClass: "object" | "retryable",
    error: string,
  ): Promise<boolean> {
    return this.#finish(job, attemptId, "failed", {
      errorClass: { S: errorClass },
      lastError: { S: error.slice(0, 1000) },
    });
  }

  /** The item of one object, if any. */
  async get(job: CopyJob): Promise<StatusItem | undefined> {
    const out = await this.#db.send(
      new GetItemCommand({ TableName: this.#table, Key: this.#key(job), ConsistentRead: true }),
    );
    if (out.Item === undefined) return undefined;
    const size = out.Item.sizeBytes?.N;
    return {
      status: out.Item.status?.S,
      dstEtag: out.Item.dstEtag?.S,
      sourceEtag: out.Item.sourceEtag?.S,
      sizeBytes: size === undefined ? undefined : Number(size),
    };
  }

  async #finish(
    job: CopyJob,
    attemptId: string,
    status: "done" | "failed",
    fields: Record<string, { S: string } | { N: string }>,
  ): Promise<boolean> {
    const names = Object.keys(fields);
    try {
      await this.#db.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: this.#key(job),
          UpdateExpression: `SET #status = :status, endTime = :now, ${names.map((n) => `${n} = :${n}`).join(", ")}`,
          ConditionExpression: "lastAttempt = :attempt OR #status <> :done",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":status": { S: status },
            ":now": { S: new Date().toISOString() },
            ":attempt": { S: attemptId },
            ":done": { S: "done" },
            ...Object.fromEntries(names.map((n) => [`:${n}`, fields[n] as { S: string }])),
          },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  #key(job: CopyJob) {
    const version = this.#versioned ? job.versionId : undefined;
    return { [STATUS_TABLE.partitionKey]: { S: statusItemId(job.srcBucket, job.srcKey, version) } };
  }
}
