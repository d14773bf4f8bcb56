import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { Item } from "./status-item.js";
import type { StatusWrite } from "./status-writes.js";

/*
 * A split object's item holds: `splitSlices` (slices in all), `splitSliceParts` (parts per
 * slice), `slicesDone` (a number set), `failedSlice` (the slice whose failure the status shows)
 * and `splitRestarts` (splits started over because the source changed). A new upload drops all
 * but `splitRestarts` (`bindWrite`); `done` keeps only `splitSlices`.
 */

const STATUS = { "#status": "status" };
const s = (v: string): AttributeValue => ({ S: v });
const n = (v: number): AttributeValue => ({ N: String(v) });
const ns = (v: readonly number[]): AttributeValue => ({ NS: v.map(String) });

/** How an upload is cut into slices, and what is already done of it. */
export interface SplitRecord {
  readonly uploadId: string;
  readonly slices: number;
  readonly sliceParts: number;
  readonly partsTotal: number;
  /** Slices whose parts are all in the upload already. */
  readonly slicesDone: readonly number[];
  /** True when this split replaces an earlier one whose source changed. */
  readonly restart: boolean;
}

/**
 * The split recorded by the attempt that holds the lease, which it gives up in the same write:
 * from now on the object's slices are in the queue and no single attempt holds it.
 */
export function splitWrite(attemptId: string, split: SplitRecord): StatusWrite {
  const adds = [
    ...(split.slicesDone.length > 0 ? ["slicesDone :done"] : []),
    ...(split.restart ? ["splitRestarts :one"] : []),
  ];
  return {
    update:
      "SET #status = :running, splitSlices = :slices, splitSliceParts = :k, " +
      "partsTotal = :parts REMOVE leaseOwner, leaseExpires, failedSlice, partsDone" +
      (adds.length > 0 ? ` ADD ${adds.join(", ")}` : ""),
    condition: "leaseOwner = :attempt AND uploadId = :uploadId",
    names: STATUS,
    values: {
      ":running": s("running"),
      ":slices": n(split.slices),
      ":k": n(split.sliceParts),
      ":parts": n(split.partsTotal),
      ":attempt": s(attemptId),
      ":uploadId": s(split.uploadId),
      ...(split.slicesDone.length > 0 ? { ":done": ns(split.slicesDone) } : {}),
      ...(split.restart ? { ":one": n(1) } : {}),
    },
  };
}

/** One slice done: its number added to the set, while the item still binds its upload. */
export function sliceDoneWrite(uploadId: string, slice: number): StatusWrite {
  return {
    update: "ADD slicesDone :slice",
    condition: "uploadId = :uploadId AND #status <> :done",
    names: STATUS,
    values: { ":slice": ns([slice]), ":uploadId": s(uploadId), ":done": s("done") },
  };
}

/** The failure a slice recorded is over (that slice is done now): back to `running`. */
export function sliceRecoveredWrite(uploadId: string, slice: number): StatusWrite {
  return {
    update: "SET #status = :running REMOVE failedSlice, errorClass",
    condition: "uploadId = :uploadId AND failedSlice = :slice",
    names: STATUS,
    values: { ":running": s("running"), ":uploadId": s(uploadId), ":slice": n(slice) },
  };
}

/**
 * A slice failed: the object shows `failed` with that slice's error, unless its upload is no
 * longer the bound one, it is done, or an attempt holds the object (completing or re-splitting).
 */
export function sliceFailedWrite(
  uploadId: string,
  slice: number,
  errorClass: "object" | "retryable",
  error: string,
  now: number,
): StatusWrite {
  return {
    update:
      "SET #status = :failed, errorClass = :class, lastError = :error, failedSlice = :slice, " +
      "endTime = :now",
    condition:
      "uploadId = :uploadId AND #status <> :done AND " +
      "(attribute_not_exists(leaseExpires) OR leaseExpires < :nowMs)",
    names: STATUS,
    values: {
      ":failed": s("failed"),
      ":class": s(errorClass),
      ":error": s(error.slice(0, 1000)),
      ":slice": n(slice),
      ":now": s(new Date(now).toISOString()),
      ":nowMs": n(now),
      ":uploadId": s(uploadId),
      ":done": s("done"),
    },
  };
}

/** The split attributes of an item, when it has them. */
export interface SplitState {
  readonly uploadId: string;
  readonly slices: number;
  readonly sliceParts: number;
  readonly slicesDone: ReadonlySet<number>;
  readonly failedSlice: number | undefined;
}

/** The split an item records, if any. */
export function splitStateOf(item: Item | undefined): SplitState | undefined {
  const uploadId = item?.uploadId?.S;
  const slices = Number(item?.splitSlices?.N);
  const sliceParts = Number(item?.splitSliceParts?.N);
  if (!uploadId || !Number.isSafeInteger(slices) || !Number.isSafeInteger(sliceParts)) {
    return undefined;
  }
  const failed = item?.failedSlice?.N;
  return {
    uploadId,
    slices,
    sliceParts,
    slicesDone: new Set((item?.slicesDone?.NS ?? []).map(Number)),
    failedSlice: failed === undefined ? undefined : Number(failed),
  };
}
