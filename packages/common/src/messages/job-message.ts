import { MessageError } from "../errors.js";
import { asciiJson } from "./ascii-json.js";
import { parseSliceFields, type SliceJob } from "./slice-message.js";

/** One object to copy. */
export interface CopyJob {
  readonly srcBucket: string;
  readonly srcKey: string;
  readonly dstBucket: string;
  readonly dstKey: string;
  /** Size in bytes as listed or announced; the worker checks it against the source. */
  readonly size: number;
  /** Source version to copy, when versions are used. */
  readonly versionId?: string | undefined;
  /** Source ETag as announced (S3 events carry one), without quotes. */
  readonly etag?: string | undefined;
}

/** An S3 event record that cannot be copied; the other records of its event still are. */
export interface RejectedRecord {
  /** Position of the record in the event's `Records` list (0-based). */
  readonly index: number;
  /** What is wrong with it, naming the field (`S3 event Records[3].s3.object.key is missing`). */
  readonly error: MessageError;
}

/** What one queue message asks for. */
export type ParsedMessage =
  | {
      readonly kind: "jobs";
      readonly jobs: readonly CopyJob[];
      /** Records of an S3 event that cannot be read (absent when there are none). */
      readonly rejected?: readonly RejectedRecord[] | undefined;
    }
  /** One slice of a giant object's upload, sent by the worker that split it. */
  | { readonly kind: "slice"; readonly slice: SliceJob }
  /** `s3:TestEvent`, or an event whose records are not object creations: delete and ignore. */
  | { readonly kind: "ignore"; readonly reason: string };

/** The wire shape the jobsender sends and the original tool used (a mixed fleet keeps working). */
export interface JobMessageBody {
  Src_bucket: string;
  Src_key: string;
  Des_bucket: string;
  Des_key: string;
  Size: number;
  versionId?: string;
}

/** Where S3 event notifications are copied to (`Des_bucket_default`, `Des_prefix_default`). */
export interface EventDestination {
  readonly desBucketDefault: string;
  readonly desPrefixDefault: string;
}

const MAX_KEY_BYTES = 1024;

/** Serialises a job in the wire shape {@link JobMessageBody}, as pure ASCII ({@link asciiJson}). */
export function formatJobMessage(job: CopyJob): string {
  const body: JobMessageBody = {
    Src_bucket: job.srcBucket,
    Src_key: job.srcKey,
    Des_bucket: job.dstBucket,
    Des_key: job.dstKey,
    Size: job.size,
  };
  if (job.versionId !== undefined) body.versionId = job.versionId;
  return asciiJson(body);
}

/**
 * Joins a destination prefix and a key: `""` + k = k, `"p/"` + k = `p/k`, `"p"` + k = `p/k`.
 * Keys are kept byte for byte (a trailing `/` or `//` inside a key is part of its name).
 */
export function joinKey(prefix: string, key: string): string {
  if (prefix === "") return key;
  return prefix.endsWith("/") ? `${prefix}${key}` : `${prefix}/${key}`;
}

/**
 * Decodes an S3 event key: URL-encoded, with `+` for a space (a literal `+` arrives as `%2B`).
 */
export function decodeEventKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, " "));
  } catch (err) {
    throw new MessageError(`event key is not valid URL encoding: ${JSON.stringify(encoded)}`, {
      cause: err,
    });
  }
}

/**
 * Parses a queue message body: a jobsender job, an S3 event notification (possibly with several
 * records, possibly wrapped in an SNS notification) or an S3 test event. Anything else throws a
 * {@link MessageError} naming what is wrong; it never crashes the caller with a TypeError.
 *
 * An S3 event record that cannot be read (no bucket or key, a size that is not a whole number,
 * a key that is not valid URL encoding) does not sink its event: it is returned in `rejected`
 * beside the jobs of the good records. An event with no good record at all (every
 * `ObjectCreated` record, or every record, rejected) throws a {@link MessageError}.
 *
 * @example
 * const parsed = parseJobMessage(message.Body ?? "", { desBucketDefault: "dst", desPrefixDefault: "" });
 * if (parsed.kind === "jobs") for (const job of parsed.jobs) await copy(job);
 */
export function parseJobMessage(body: string, events: EventDestination): ParsedMessage {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (err) {
    throw new MessageError(`message body is not JSON: ${preview(body)}`, { cause: err });
  }
  if (!isRecord(doc)) throw new MessageError(`message body is not a JSON object: ${preview(body)}`);
  if (doc.Type === "Notification" && typeof doc.Message === "string") {
    return parseJobMessage(doc.Message, events);
  }
  if (doc.Event === "s3:TestEvent") return { kind: "ignore", reason: "s3:TestEvent" };
  if ("Records" in doc) return parseEvent(doc.Records, events);
  if (doc.Kind === "slice") return { kind: "slice", slice: parseSliceFields(doc, parseJob(doc)) };
  if ("Kind" in doc) {
    throw new MessageError(
      `message Kind ${JSON.stringify(doc.Kind)} is unknown (expected "slice")`,
    );
  }
  if ("Src_bucket" in doc || "Src_key" in doc) return { kind: "jobs", jobs: [parseJob(doc)] };
  throw new MessageError(
    `message is neither a job {Src_bucket, Src_key, Des_bucket, Des_key, Size} nor an S3 event: ${preview(body)}`,
  );
}

function parseJob(doc: Record<string, unknown>): CopyJob {
  const problems: string[] = [];
  const str = (field: string): string => {
    const v = doc[field];
    if (typeof v !== "string" || v === "") problems.push(`${field} must be a non-empty string`);
    return typeof v === "string" ? v : "";
  };
  const job = {
    srcBucket: str("Src_bucket"),
    srcKey: str("Src_key"),
    dstBucket: str("Des_bucket"),
    dstKey: str("Des_key"),
    size: doc.Size,
    versionId: doc.versionId,
  };
  if (typeof job.size !== "number" || !Number.isSafeInteger(job.size) || job.size < 0) {
    problems.push("Size must be a whole number of bytes ≥ 0");
  }
  const v = job.versionId;
  if (v !== undefined && v !== null && (typeof v !== "string" || v === "")) {
    problems.push("versionId must be a non-empty string when present");
  }
  for (const key of [job.srcKey, job.dstKey]) {
    if (Buffer.byteLength(key) > MAX_KEY_BYTES)
      problems.push(`key longer than ${MAX_KEY_BYTES} bytes`);
  }
  if (problems.length > 0) throw new MessageError(`invalid job message: ${problems.join("; ")}`);
  return {
    ...job,
    size: job.size as number,
    // The original tool sent "null" for unversioned objects.
    versionId: typeof v === "string" && v !== "null" ? v : undefined,
  };
}

function parseEvent(records: unknown, events: EventDestination): ParsedMessage {
  if (!Array.isArray(records) || records.length === 0) {
    throw new MessageError("S3 event has no Records list");
  }
  if (events.desBucketDefault === "") {
    throw new MessageError("S3 event received but Des_bucket_default is not configured");
  }
  const jobs: CopyJob[] = [];
  const rejected: RejectedRecord[] = [];
  records.forEach((record: unknown, index) => {
    try {
      const job = parseEventRecord(record, index, events);
      if (job !== undefined) jobs.push(job);
    } catch (err) {
      if (!(err instanceof MessageError)) throw err;
      rejected.push({ index, error: err });
    }
  });
  if (jobs.length > 0)
    return rejected.length > 0 ? { kind: "jobs", jobs, rejected } : { kind: "jobs", jobs };
  if (rejected.length > 0) throw noGoodRecord(rejected, records.length);
  return { kind: "ignore", reason: "no ObjectCreated records" };
}

/** The job of one event record; `undefined` for records that are not object creations. */
function parseEventRecord(
  record: unknown,
  i: number,
  events: EventDestination,
): CopyJob | undefined {
  if (!isRecord(record)) throw new MessageError(`S3 event Records[${i}] is not an object`);
  const name = record.eventName;
  if (typeof name !== "string" || !name.startsWith("ObjectCreated:")) return undefined;
  const s3 = isRecord(record.s3) ? record.s3 : {};
  const bucket = isRecord(s3.bucket) ? s3.bucket.name : undefined;
  const object = isRecord(s3.object) ? s3.object : {};
  const { key, size, eTag, versionId } = object;
  if (typeof bucket !== "string" || bucket === "") {
    throw new MessageError(`S3 event Records[${i}].s3.bucket.name is missing`);
  }
  if (typeof key !== "string" || key === "") {
    throw new MessageError(`S3 event Records[${i}].s3.object.key is missing`);
  }
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
    throw new MessageError(`S3 event Records[${i}].s3.object.size must be a whole number ≥ 0`);
  }
  let srcKey: string;
  try {
    srcKey = decodeEventKey(key);
  } catch (err) {
    const what = err instanceof Error ? err.message : String(err);
    throw new MessageError(`S3 event Records[${i}].s3.object.key: ${what}`, { cause: err });
  }
  return {
    srcBucket: bucket,
    srcKey,
    dstBucket: events.desBucketDefault,
    dstKey: joinKey(events.desPrefixDefault, srcKey),
    size,
    versionId: typeof versionId === "string" && versionId !== "" ? versionId : undefined,
    etag: typeof eTag === "string" && eTag !== "" ? eTag.replace(/"/g, "") : undefined,
  };
}

/** The error of an event none of whose records can be copied: names the first few problems. */
function noGoodRecord(rejected: readonly RejectedRecord[], total: number): MessageError {
  const first = rejected.slice(0, 3).map((r) => r.error.message);
  const more = rejected.length > 3 ? `; and ${rejected.length - 3} more` : "";
  return new MessageError(
    `S3 event has no record that can be copied (${rejected.length} of ${total} rejected): ${first.join("; ")}${more}`,
    { cause: rejected[0]?.error },
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function preview(body: string): string {
  return JSON.stringify(body.length > 120 ? `${body.slice(0, 117)}...` : body);
}
