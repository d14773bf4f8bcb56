import { MessageError } from "../errors.js";
import { asciiJson } from "./ascii-json.js";
import type { EventRouting } from "./event-routing.js";
import { parseEventBridge, parseS3Event } from "./s3-events.js";
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
  /**
   * The event's sequencer, padded so that string order is S3's order of events on the key
   * (`sequencerOrder`); only jobs of S3 events have one.
   */
  readonly sequencer?: string | undefined;
}

/** An S3 event record that cannot be copied; the other records of its event still are. */
export interface RejectedRecord {
  /** Position of the record in the event's `Records` list (0-based). */
  readonly index: number;
  /** What is wrong with it, naming the field (`S3 event Records[3].s3.object.key is missing`). */
  readonly error: MessageError;
}

/** An event record that no bucket-map entry takes while `Des_bucket_default` is empty. */
export interface UnroutedRecord {
  readonly index: number;
  readonly bucket: string;
  readonly key: string;
}

/** What one queue message asks for. */
export type ParsedMessage =
  | {
      readonly kind: "jobs";
      readonly jobs: readonly CopyJob[];
      /** Records of an S3 event that cannot be read (absent when there are none). */
      readonly rejected?: readonly RejectedRecord[] | undefined;
      /** Records no destination takes: reported and dropped (absent when there are none). */
      readonly unrouted?: readonly UnroutedRecord[] | undefined;
    }
  /** One slice of a giant object's upload, sent by the worker that split it. */
  | { readonly kind: "slice"; readonly slice: SliceJob }
  /**
   * `s3:TestEvent`, an event whose records are not object creations, or an EventBridge S3 event
   * of another type: delete and ignore.
   */
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
 * Parses a queue message body: a jobsender job, a slice of a giant object, an S3 event
 * notification (possibly with several records, possibly wrapped in an SNS notification), an
 * EventBridge S3 event or an S3 test event. Anything else throws a {@link MessageError} naming
 * what is wrong; it never crashes the caller with a TypeError.
 *
 * Event objects are routed by `events` (`event-routing.ts`): the bucket map's entry with the
 * longest matching source prefix, else the default destination. An S3 event record that cannot
 * be read (no bucket or key, a size that is not a whole number, a key that is not valid URL
 * encoding) does not sink its event: it is returned in `rejected` beside the jobs of the good
 * records; one that no destination takes is returned in `unrouted`. An event with no good record
 * at all (every `ObjectCreated` record, or every record, rejected) throws a {@link MessageError}.
 *
 * @example
 * const parsed = parseJobMessage(message.Body ?? "", { desBucketDefault: "dst", desPrefixDefault: "" });
 * if (parsed.kind === "jobs") for (const job of parsed.jobs) await copy(job);
 */
export function parseJobMessage(body: string, events: EventRouting): ParsedMessage {
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
  if ("Records" in doc) return parseS3Event(doc.Records, events);
  if (doc.source === "aws.s3" && "detail-type" in doc) return parseEventBridge(doc, events);
  if (doc.Kind === "slice") return { kind: "slice", slice: parseSliceFields(doc, parseJob(doc)) };
  if ("Kind" in doc) {
    throw new MessageError(
      `message Kind ${JSON.stringify(doc.Kind)} is unknown (expected "slice")`,
    );
  }
  if ("Src_bucket" in doc || "Src_key" in doc) return { kind: "jobs", jobs: [parseJob(doc)] };
  throw new MessageError(
    `message is neither a job {Src_bucket, Src_key, Des_bucket, Des_key, Size} nor an S3 event (notification or EventBridge): ${preview(body)}`,
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

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function preview(body: string): string {
  return JSON.stringify(body.length > 120 ? `${body.slice(0, 117)}...` : body);
}
