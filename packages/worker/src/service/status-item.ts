import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { UploadBinding } from "../engine/transfer/upload-ledger.js";

/** A status item as DynamoDB stores it. */
export type Item = Record<string, AttributeValue>;

/** An object's status item, as far as the worker reads it back. */
export interface StatusItem {
  readonly status: string | undefined;
  readonly dstEtag: string | undefined;
  readonly sourceEtag: string | undefined;
  readonly sizeBytes: number | undefined;
}

/** What {@link StatusStore.start} found. */
export type StartResult =
  /**
   * This attempt holds the object now; `recorded` is the upload an earlier attempt bound;
   * `item` the whole item as the start left it.
   */
  | {
      readonly kind: "started";
      readonly recorded: UploadBinding | undefined;
      readonly item: Item;
    }
  /** The object is `done` (nothing written): the caller checks that it still holds. */
  | { readonly kind: "done"; readonly item: StatusItem }
  /** The job's event is no newer than the one whose copy is recorded; nothing written. */
  | { readonly kind: "older-event"; readonly sequencer: string }
  /** Another attempt holds a live lease until `leaseExpires` (epoch ms); nothing written. */
  | { readonly kind: "busy"; readonly leaseOwner: string; readonly leaseExpires: number };

/** Parts done / total of a multipart copy, as the engine reports them. */
export interface PartsProgress {
  readonly done: number;
  readonly total: number;
}

/**
 * The binding an item records: only when the upload, the source's ETag and size and the part
 * size are all there.
 */
export function bindingOf(item: Item): UploadBinding | undefined {
  const uploadId = item.uploadId?.S;
  const sourceEtag = item.uploadSourceEtag?.S;
  const sourceSize = item.uploadSourceSize?.N;
  const partSize = item.uploadPartSize?.N;
  if (!uploadId || !sourceEtag || sourceSize === undefined || partSize === undefined) {
    return undefined;
  }
  return {
    uploadId,
    sourceEtag,
    sourceSize: Number(sourceSize),
    sourceVersionId: item.uploadSourceVersionId?.S,
    partSize: Number(partSize),
  };
}

/** The fields of an item the duplicate check reads. */
export function statusItemOf(item: Item): StatusItem {
  const size = item.sizeBytes?.N;
  return {
    status: item.status?.S,
    dstEtag: item.dstEtag?.S,
    sourceEtag: item.sourceEtag?.S,
    sizeBytes: size === undefined ? undefined : Number(size),
  };
}
