import type { CopyJob } from "@s3-migration/common";
import { describe, expect, it } from "vitest";
import type { CopyResult } from "../engine/transfer/copy-types.js";
import { FakeDynamoDb } from "../testing/fake-dynamodb.js";
import { StatusStore } from "./status-store.js";

const JOB: CopyJob = { srcBucket: "src", srcKey: "a/b", dstBucket: "dst", dstKey: "a/b", size: 3 };
const RESULT: CopyResult = {
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

function setup() {
  const db = new FakeDynamoDb();
  return { db, store: new StatusStore(db, "status", "worker-1", false) };
}

describe("StatusStore", () => {
  it("writes a running item at start and a done item with the copy's facts at the end", async () => {
    // Prepare
    const { db, store } = setup();
    // Act
    const existing = await store.start(JOB, "attempt-1");
    const recorded = await store.done(JOB, "attempt-1", RESULT);
    // Assess
    expect(existing).toBeUndefined();
    expect(recorded).toBe(true);
    expect(db.plain("src/a/b")).toMatchObject({
      status: "done",
      attempts: 1,
      lastAttempt: "attempt-1",
      workerId: "worker-1",
      dstEtag: "d-etag",
      sourceEtag: "s-etag",
      bytesMoved: 3,
    });
  });

  it("returns the done item instead of starting again, unless forced", async () => {
    // Prepare
    const { db, store } = setup();
    await store.start(JOB, "attempt-1");
    await store.done(JOB, "attempt-1", RESULT);
    // Act
    const existing = await store.start(JOB, "attempt-2");
    const afterRefusal = db.plain("src/a/b");
    await store.start(JOB, "attempt-2", true);
    // Assess
    expect(existing).toEqual({
      status: "done",
      dstEtag: "d-etag",
      sourceEtag: "s-etag",
      sizeBytes: 3,
    });
    expect(afterRefusal).toMatchObject({ status: "done", attempts: 1 });
    expect(db.plain("src/a/b")).toMatchObject({ status: "running", attempts: 2 });
  });

  it("never lets a late, slower duplicate overwrite a newer done", async () => {
    // Prepare: attempt 1 starts, attempt 2 starts later and finishes first.
    const { db, store } = setup();
    await store.start(JOB, "attempt-1");
    await store.start(JOB, "attempt-2", true);
    await store.done(JOB, "attempt-2", RESULT);
    // Act
    const late = await store.failed(JOB, "attempt-1", "retryable", "socket hang up");
    // Assess
    expect(late).toBe(false);
    expect(db.plain("src/a/b")).toMatchObject({ status: "done", lastAttempt: "attempt-2" });
  });
});
