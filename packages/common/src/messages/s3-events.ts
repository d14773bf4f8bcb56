import { MessageError } from "../errors.js";
import {
  decodeEventKey,
  type EventObject,
  type EventRouting,
  routeEvent,
  sequencerOrder,
} from "./event-routing.js";
import type { CopyJob, ParsedMessage, RejectedRecord, UnroutedRecord } from "./job-message.js";

type Doc = Record<string, unknown>;

const isRecord = (v: unknown): v is Doc => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * An S3 event notification (`Records`): one job per `ObjectCreated` record, routed by the
 * bucket map or the default destination. A record that cannot be read is rejected (the others
 * are still copied); a record that no entry and no default destination takes is unrouted
 * (reported and dropped by the worker). An event with no good record at all throws.
 */
export function parseS3Event(records: unknown, routing: EventRouting): ParsedMessage {
  if (!Array.isArray(records) || records.length === 0) {
    throw new MessageError("S3 event has no Records list");
  }
  const objects: { index: number; object: EventObject }[] = [];
  const rejected: RejectedRecord[] = [];
  records.forEach((record: unknown, index) => {
    try {
      const object = parseS3Record(record, index);
      if (object !== undefined) objects.push({ index, object });
    } catch (err) {
      if (!(err instanceof MessageError)) throw err;
      rejected.push({ index, error: err });
    }
  });
  if (objects.length === 0 && rejected.length > 0) throw noGoodRecord(rejected, records.length);
  if (objects.length === 0) return { kind: "ignore", reason: "no ObjectCreated records" };
  return routed(objects, routing, rejected);
}

/**
 * An EventBridge event from S3 (`source` `aws.s3`): `Object Created` is one job (its key is not
 * URL-encoded there); every other detail type is ignored, with its name as the reason.
 */
export function parseEventBridge(doc: Doc, routing: EventRouting): ParsedMessage {
  const type = doc["detail-type"];
  if (type !== "Object Created") {
    return { kind: "ignore", reason: `EventBridge S3 event "${String(type)}"` };
  }
  const detail = isRecord(doc.detail) ? doc.detail : {};
  const bucket = isRecord(detail.bucket) ? detail.bucket.name : undefined;
  const object = isRecord(detail.object) ? detail.object : {};
  const where = "EventBridge event detail";
  const key = requireText(object.key, `${where}.object.key`);
  const found: EventObject = {
    bucket: requireText(bucket, `${where}.bucket.name`),
    key,
    size: requireSize(object.size, `${where}.object.size`),
    etag: optionalText(object.etag)?.replace(/"/g, ""),
    versionId: optionalText(object["version-id"]),
    sequencer: optionalText(object.sequencer),
  };
  return routed([{ index: 0, object: found }], routing, []);
}

/** The jobs of the routed objects; the others as unrouted records. */
function routed(
  objects: readonly { index: number; object: EventObject }[],
  routing: EventRouting,
  rejected: RejectedRecord[],
): ParsedMessage {
  const jobs: CopyJob[] = [];
  const unrouted: UnroutedRecord[] = [];
  for (const { index, object } of objects) {
    const route = routeEvent(routing, object.bucket, object.key);
    if (route === undefined) {
      unrouted.push({ index, bucket: object.bucket, key: object.key });
      continue;
    }
    jobs.push({
      srcBucket: object.bucket,
      srcKey: object.key,
      ...route,
      size: object.size,
      versionId: object.versionId,
      etag: object.etag,
      ...(object.sequencer === undefined ? {} : { sequencer: sequencerOrder(object.sequencer) }),
    });
  }
  return {
    kind: "jobs",
    jobs,
    ...(rejected.length > 0 ? { rejected } : {}),
    ...(unrouted.length > 0 ? { unrouted } : {}),
  };
}

/** The object of one S3 event record; `undefined` for records that are not object creations. */
function parseS3Record(record: unknown, i: number): EventObject | undefined {
  if (!isRecord(record)) throw new MessageError(`S3 event Records[${i}] is not an object`);
  const name = record.eventName;
  if (typeof name !== "string" || !name.startsWith("ObjectCreated:")) return undefined;
  const s3 = isRecord(record.s3) ? record.s3 : {};
  const bucket = isRecord(s3.bucket) ? s3.bucket.name : undefined;
  const object = isRecord(s3.object) ? s3.object : {};
  const where = `S3 event Records[${i}]`;
  const encoded = requireText(object.key, `${where}.s3.object.key`);
  let key: string;
  try {
    key = decodeEventKey(encoded);
  } catch (err) {
    const what = err instanceof Error ? err.message : String(err);
    throw new MessageError(`${where}.s3.object.key: ${what}`, { cause: err });
  }
  return {
    bucket: requireText(bucket, `${where}.s3.bucket.name`),
    key,
    size: requireSize(object.size, `${where}.s3.object.size`),
    etag: optionalText(object.eTag)?.replace(/"/g, ""),
    versionId: optionalText(object.versionId),
    sequencer: optionalText(object.sequencer),
  };
}

function requireText(v: unknown, field: string): string {
  if (typeof v !== "string" || v === "") throw new MessageError(`${field} is missing`);
  return v;
}

function requireSize(v: unknown, field: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw new MessageError(`${field} must be a whole number ≥ 0`);
  }
  return v;
}

function optionalText(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
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
