import { MessageError } from "../errors.js";
import { asciiJson } from "./ascii-json.js";
import type { CopyJob } from "./job-message.js";

/**
 * One slice of a giant object: a range of whole parts of one multipart upload, which any worker
 * copies. The layout (part size, parts per slice) and the source version are fixed when the
 * upload starts and travel in every slice, so a slice never depends on the config of the worker
 * that copies it.
 */
export interface SliceJob {
  /** The object the slice belongs to (`size` is the source's size the layout was cut from). */
  readonly job: CopyJob;
  readonly uploadId: string;
  /** 1-based slice number. */
  readonly slice: number;
  /** Slices of the object. */
  readonly slices: number;
  /** Every part but the last has this size. */
  readonly partSize: number;
  /** Parts per slice (the last slice may have fewer). */
  readonly sliceParts: number;
  /** The source ETag every read is pinned to, without quotes. */
  readonly sourceEtag: string;
  /** The source version the upload was cut from, when the bucket has versions. */
  readonly sourceVersionId?: string | undefined;
  /** True when the parts follow the source's own part boundaries (its ETag must come out equal). */
  readonly mirror: boolean;
}

/** The wire shape of a slice message: a job's fields plus the slice's. */
export interface SliceMessageBody {
  Kind: "slice";
  Src_bucket: string;
  Src_key: string;
  Des_bucket: string;
  Des_key: string;
  Size: number;
  versionId?: string;
  UploadId: string;
  Slice: number;
  Slices: number;
  PartSize: number;
  SliceParts: number;
  SourceEtag: string;
  SourceVersionId?: string;
  Mirror?: boolean;
}

/** The first and last part numbers of a slice (inclusive). */
export function sliceParts(slice: SliceJob): { first: number; last: number } {
  const total = Math.max(1, Math.ceil(slice.job.size / slice.partSize));
  const first = (slice.slice - 1) * slice.sliceParts + 1;
  return { first, last: Math.min(total, slice.slice * slice.sliceParts) };
}

/** Serialises a slice as pure ASCII JSON (as {@link formatJobMessage} does, for the same reason). */
export function formatSliceMessage(slice: SliceJob): string {
  const { job } = slice;
  const body: SliceMessageBody = {
    Kind: "slice",
    Src_bucket: job.srcBucket,
    Src_key: job.srcKey,
    Des_bucket: job.dstBucket,
    Des_key: job.dstKey,
    Size: job.size,
    ...(job.versionId === undefined ? {} : { versionId: job.versionId }),
    UploadId: slice.uploadId,
    Slice: slice.slice,
    Slices: slice.slices,
    PartSize: slice.partSize,
    SliceParts: slice.sliceParts,
    SourceEtag: slice.sourceEtag,
    ...(slice.sourceVersionId === undefined ? {} : { SourceVersionId: slice.sourceVersionId }),
    ...(slice.mirror ? { Mirror: true } : {}),
  };
  return asciiJson(body);
}

/**
 * Reads the slice fields of a message whose `Kind` is `slice` (the job fields are read by the
 * caller); throws a {@link MessageError} naming every field that is wrong.
 */
export function parseSliceFields(doc: Record<string, unknown>, job: CopyJob): SliceJob {
  const problems: string[] = [];
  const whole = (field: string, min: number): number => {
    const v = doc[field];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
      problems.push(`${field} must be a whole number ≥ ${min}`);
      return min;
    }
    return v;
  };
  const text = (field: string, optional: boolean): string | undefined => {
    const v = doc[field];
    if (v === undefined && optional) return undefined;
    if (typeof v !== "string" || v === "") problems.push(`${field} must be a non-empty string`);
    return typeof v === "string" ? v : "";
  };
  const slice: SliceJob = {
    job,
    uploadId: text("UploadId", false) ?? "",
    slice: whole("Slice", 1),
    slices: whole("Slices", 1),
    partSize: whole("PartSize", 1),
    sliceParts: whole("SliceParts", 1),
    sourceEtag: text("SourceEtag", false) ?? "",
    sourceVersionId: text("SourceVersionId", true),
    mirror: doc.Mirror === true,
  };
  if (problems.length === 0 && slice.slice > slice.slices) {
    problems.push(`Slice ${slice.slice} is beyond Slices ${slice.slices}`);
  }
  if (problems.length === 0 && sliceParts(slice).first > sliceParts(slice).last) {
    problems.push(`Slice ${slice.slice} holds no part of a ${job.size}-byte object`);
  }
  if (problems.length > 0) {
    throw new MessageError(`invalid slice message: ${problems.join("; ")}`);
  }
  return slice;
}
