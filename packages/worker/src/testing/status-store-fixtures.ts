import type { CopyJob } from "@s3-migration/common";
import type { CopyResult } from "../engine/transfer/copy-types.js";
import type { UploadBinding } from "../engine/transfer/upload-ledger.js";
import { StatusStore } from "../service/status-store.js";
import { FakeDynamoDb } from "./fake-dynamodb.js";

/** The job whose status item the StatusStore tests write (item id "src/a/b"). */
export const JOB: CopyJob = {
  srcBucket: "src",
  srcKey: "a/b",
  dstBucket: "dst",
  dstKey: "a/b",
  size: 3,
};
/** A single-PUT copy of {@link JOB}. */
export const RESULT: CopyResult = {
  method: "single-put",
  bytes: 3,
  bytesUploaded: 3,
  parts: 1,
  partsReused: 0,
  partsUploaded: 1,
  checksum: "source-md5",
  etag: "d-etag",
  sourceEtag: "s-etag",
  versionId: undefined,
  restarts: 0,
  durationMs: 5,
};
/** An upload of 20 MiB in 8 MiB parts, of version "v1" of the source. */
export const BINDING: UploadBinding = {
  uploadId: "upload-1",
  sourceEtag: "s-etag",
  sourceSize: 20 * 1024 * 1024,
  sourceVersionId: "v1",
  partSize: 8 * 1024 * 1024,
};
/** The lease an attempt claims, and renews, in ms. */
export const LEASE_MS = 30_000;
/** The time the tests start at (Date faked). */
export const T0 = Date.parse("2026-01-01T12:00:00.000Z");

/** A StatusStore of "worker-1" over an empty in-memory table "status". */
export function storeOnFakeTable(batched = false) {
  const db = new FakeDynamoDb();
  return { db, store: new StatusStore(db, "status", "worker-1", false, { batched }) };
}
