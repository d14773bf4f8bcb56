import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { CopyJob } from "@s3-migration/common";
import type { CopyResult } from "../engine/transfer/copy-types.js";
import type { UploadBinding } from "../engine/transfer/upload-ledger.js";
import type { Item, PartsProgress } from "./status-item.js";

/** The expressions of one conditional UpdateItem of a status item. */
export interface StatusWrite {
  readonly update: string;
  readonly condition: string;
  readonly names?: Record<string, string>;
  readonly values: Item;
}

/** The binding's attributes; `uploadId` stays on a `done` item (the upload that became the object). */
const BINDING_FIELDS = [
  "uploadSourceEtag",
  "uploadSourceSize",
  "uploadSourceVersionId",
  "uploadPartSize",
  "partsDone",
  "partsTotal",
];
/** A split's working attributes (`split/split-writes.ts`); a `done` keeps only `splitSlices`. */
const SPLIT_WORK_FIELDS = ["splitSliceParts", "slicesDone", "failedSlice", "splitRestarts"];
/** The lease's attributes. */
const LEASE_FIELDS = ["leaseOwner", "leaseExpires"];
const STATUS = { "#status": "status" };
/** Only while the attempt holds the lease. */
const HELD = "leaseOwner = :attempt";

/** A string attribute value. */
const s = (v: string): AttributeValue => ({ S: v });
/** A number attribute value. */
const n = (v: number): AttributeValue => ({ N: String(v) });

/**
 * The start: the attempt's facts, and the lease (`leaseMs` from `now`, epoch ms), if the item is
 * not `done` (unless `force`) and no other attempt's lease is live.
 */
export function startWrite(
  job: CopyJob,
  workerId: string,
  attemptId: string,
  leaseMs: number,
  force: boolean,
  now: number,
): StatusWrite {
  const leaseFree = "(attribute_not_exists(leaseExpires) OR leaseExpires < :nowMs)";
  // An event older than (or the same as) the one whose copy is recorded changes nothing.
  const newer = job.sequencer
    ? " AND (attribute_not_exists(sequencer) OR sequencer < :sequencer)"
    : "";
  return {
    update:
      "SET #status = :running, srcBucket = :sb, srcKey = :sk, dstBucket = :db, dstKey = :dk, " +
      "sizeBytes = :size, workerId = :worker, lastStart = :now, lastAttempt = :attempt, " +
      "firstStart = if_not_exists(firstStart, :now), leaseOwner = :attempt, " +
      "leaseExpires = :expires ADD attempts :one",
    condition:
      (force ? leaseFree : `(attribute_not_exists(#status) OR #status <> :done) AND ${leaseFree}`) +
      newer,
    names: STATUS,
    values: {
      ":running": s("running"),
      ":sb": s(job.srcBucket),
      ":sk": s(job.srcKey),
      ":db": s(job.dstBucket),
      ":dk": s(job.dstKey),
      ":size": n(job.size),
      ":worker": s(workerId),
      ":now": s(new Date(now).toISOString()),
      ":attempt": s(attemptId),
      ":nowMs": n(now),
      ":expires": n(now + leaseMs),
      ":one": n(1),
      ...(force ? {} : { ":done": s("done") }),
      ...(job.sequencer ? { ":sequencer": s(job.sequencer) } : {}),
    },
  };
}

/**
 * The binding of a new upload (replacing any older one, its version included), parts 0 of
 * `partsTotal`; a split of the older upload is dropped with it (its slices no longer match).
 */
export function bindWrite(
  attemptId: string,
  binding: UploadBinding,
  partsTotal: number,
): StatusWrite {
  const version = binding.sourceVersionId;
  return {
    update:
      "SET uploadId = :uploadId, uploadSourceEtag = :etag, uploadSourceSize = :size, " +
      "uploadPartSize = :partSize, partsTotal = :total, partsDone = :zero" +
      (version === undefined ? "" : ", uploadSourceVersionId = :version") +
      " REMOVE splitSlices, splitSliceParts, slicesDone, failedSlice" +
      (version === undefined ? ", uploadSourceVersionId" : ""),
    condition: HELD,
    values: {
      ":attempt": s(attemptId),
      ":uploadId": s(binding.uploadId),
      ":etag": s(binding.sourceEtag),
      ":size": n(binding.sourceSize),
      ":partSize": n(binding.partSize),
      ":total": n(partsTotal),
      ":zero": n(0),
      ...(version === undefined ? {} : { ":version": s(version) }),
    },
  };
}

/** The lease extended to `leaseMs` from `now` (epoch ms), with the parts done / total if known. */
export function renewWrite(
  attemptId: string,
  leaseMs: number,
  parts: PartsProgress | undefined,
  now: number,
): StatusWrite {
  return {
    update: `SET leaseExpires = :expires${parts ? ", partsDone = :done, partsTotal = :total" : ""}`,
    condition: HELD,
    values: {
      ":attempt": s(attemptId),
      ":expires": n(now + leaseMs),
      ...(parts ? { ":done": n(parts.done), ":total": n(parts.total) } : {}),
    },
  };
}

/** The lease given up; status and binding stay. */
export function releaseWrite(attemptId: string): StatusWrite {
  return {
    update: `REMOVE ${LEASE_FIELDS.join(", ")}`,
    condition: HELD,
    values: { ":attempt": s(attemptId) },
  };
}

/** `done` with the copy's facts; the lease and the binding removed (`uploadId` kept if multipart). */
export function doneWrite(
  attemptId: string,
  result: CopyResult,
  now: number,
  sequencer?: string,
): StatusWrite {
  const { fields, remove } = doneFields(result, sequencer);
  return endWrite(attemptId, "done", fields, remove, now);
}

/**
 * The whole item {@link doneWrite} would leave, from the item as this attempt's start wrote it
 * (`ALL_NEW`): for a PutItem in a batch, which takes no condition. Only while this attempt's
 * lease is live: every other write of an item is conditional on the lease being free or its
 * own, so since the start nothing but this attempt changed the item.
 */
export function doneItem(started: Item, result: CopyResult, now: number, sequencer?: string): Item {
  const { fields, remove } = doneFields(result, sequencer);
  const kept = Object.entries(started).filter(([name]) => !remove.includes(name));
  return {
    ...Object.fromEntries(kept),
    status: s("done"),
    endTime: s(new Date(now).toISOString()),
    ...fields,
  };
}

/**
 * The attributes a `done` sets and those it removes; `sequencer` is the S3 event's the copy
 * answered (later, older events of the key are skipped).
 */
function doneFields(result: CopyResult, sequencer?: string): { fields: Item; remove: string[] } {
  const fields: Item = {
    bytesMoved: n(result.bytesUploaded),
    sizeBytes: n(result.bytes),
    dstEtag: s(result.etag),
    sourceEtag: s(result.sourceEtag),
    checksum: s(result.checksum),
    partsReused: n(result.partsReused),
    ...(result.uploadId ? { uploadId: s(result.uploadId) } : {}),
    ...(result.versionId ? { versionId: s(result.versionId) } : {}),
    ...(sequencer ? { sequencer: s(sequencer) } : {}),
  };
  const remove = [
    ...LEASE_FIELDS,
    ...BINDING_FIELDS,
    ...SPLIT_WORK_FIELDS,
    ...(result.uploadId ? [] : ["uploadId"]),
  ];
  return { fields, remove };
}

/** `failed` with the error; the lease removed, the binding kept for the next attempt. */
export function failedWrite(
  attemptId: string,
  errorClass: "object" | "retryable",
  error: string,
  now: number,
): StatusWrite {
  const fields = { errorClass: s(errorClass), lastError: s(error.slice(0, 1000)) };
  return endWrite(attemptId, "failed", fields, LEASE_FIELDS, now);
}

/**
 * An end write, if this attempt is the latest or the item is not `done` (a late, slower
 * duplicate never overwrites a newer `done`) and no other attempt holds the lease.
 */
function endWrite(
  attemptId: string,
  status: "done" | "failed",
  fields: Item,
  remove: readonly string[],
  now: number,
): StatusWrite {
  const names = Object.keys(fields);
  return {
    update:
      `SET #status = :status, endTime = :now, ${names.map((f) => `${f} = :${f}`).join(", ")} ` +
      `REMOVE ${remove.join(", ")}`,
    condition:
      "(lastAttempt = :attempt OR #status <> :done) AND " +
      "(attribute_not_exists(leaseOwner) OR leaseOwner = :attempt)",
    names: STATUS,
    values: {
      ":status": s(status),
      ":now": s(new Date(now).toISOString()),
      ":attempt": s(attemptId),
      ":done": s("done"),
      ...Object.fromEntries(names.map((f) => [`:${f}`, fields[f] as AttributeValue])),
    },
  };
}
