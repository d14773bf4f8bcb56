import { HeadObjectCommand } from "@aws-sdk/client-s3";
import type { CopyJob } from "@s3-migration/common";
import { afterAll, describe, type ExpectStatic, it, type TestContext } from "vitest";
import type { ProxiedRequest } from "./support/http-proxy.js";
import { drainQueue } from "./support/queue-drain.js";
import { runOp } from "./support/run-op.js";
import {
  bucketMapEnv,
  expectCopied,
  INTERNAL_ERROR,
  KEY,
  logged,
  PART,
  partCounter,
  partNumberOf,
  type S3Fault,
  SLOW_DOWN,
  seed,
  splitSuite,
  UNTIL_IDLE,
  uploadedParts,
} from "./support/split-fixture.js";
import type { WorkerFixture, WorkerProcess } from "./support/worker-fixture.js";

/**
 * A slice of a giant object (issue 16) that keeps failing: it ends in the DLQ like any message,
 * the object shows `failed` with that slice's error, and either a redrive or the next jobsender
 * run finishes it. The destination's answers to one part number's UploadPart are an S3 error
 * (the proxy answers them itself); the queue gives up after 2 receives and MaxRetry 0 fails each
 * receive at its first error, so the slice reaches the DLQ on its third receive, after the
 * worker's backoffs (10 s, then 20 s).
 * The tests run at once (each mostly waits out those backoffs): each has its own fixture
 * (buckets, queue and DLQ, status table), proxies, worker processes and temp files, and uses
 * its context's `expect` and `onTestFailed`.
 */
const s = splitSuite();
afterAll(() => s.cleanup());

/** 8 parts (the last one short), 2 per slice: 4 slices; part 6 is slice 3's second part. */
const SLICES = 4;
const FAILING_PART = 6;
const FAILED_SLICE = 3;
const SLICE_PARTS = [5, 6];
const ALL_PARTS = Array.from({ length: 8 }, (_, i) => i + 1);

interface FailedSplit {
  readonly f: WorkerFixture;
  readonly job: CopyJob;
  readonly body: Buffer;
  readonly worker: WorkerProcess;
  /** The UploadParts S3 accepted from the worker. */
  readonly sent: ReturnType<typeof partCounter>;
  /** The UploadParts the proxy answered with the fault. */
  readonly faults: ProxiedRequest[];
  readonly uploadId: string;
}

/**
 * The failing setup: a worker (until idle) whose destination answers every UploadPart of
 * {@link FAILING_PART} with `fault`; it returns once the worker has exited (the queue empty).
 */
async function failOneSlice(
  { expect, onTestFailed }: TestContext,
  prefix: string,
  fault: S3Fault,
): Promise<FailedSplit> {
  const f = await s.fixture(prefix, { vt: 5, sliceMb: 10, maxReceiveCount: 2 }, { MaxRetry: "0" });
  const { job, body } = await seed(f, 7 * PART + 4321);
  const sent = partCounter();
  const { env, faults } = await s.faultyDestinationEnv(
    f,
    "faulty",
    (req) =>
      req.operation === "UploadPart" && partNumberOf(req.url) === FAILING_PART ? fault : undefined,
    { after: sent.after },
  );
  await f.sendJobs([job]);
  const worker = s.worker(f, "faulty", UNTIL_IDLE, env, onTestFailed);
  expect(await worker.exited).toBe(0);
  const split = logged(worker, "object split");
  expect(split).toEqual([expect.objectContaining({ slices: SLICES, slicesSent: SLICES })]);
  return { f, job, body, worker, sent, faults, uploadId: String(split[0]?.uploadId) };
}

/** The DLQ holds exactly the failed slice's message, of the split's upload. */
async function expectSliceInDlq(expect: ExpectStatic, run: FailedSplit): Promise<void> {
  const bodies = await run.f.dlqBodies();
  expect(bodies).toHaveLength(1);
  expect(JSON.parse(bodies[0] ?? "")).toMatchObject({
    Kind: "slice",
    Slice: FAILED_SLICE,
    Slices: SLICES,
    UploadId: run.uploadId,
    Src_key: KEY,
  });
  expect(await run.f.queueCounts()).toEqual({ visible: 0, inFlight: 0 });
}

describe.concurrent("a giant object's slice that keeps failing", () => {
  it("ends in the DLQ; the other slices are copied; the item and `status` show the slice's failure", async (ctx) => {
    const { expect } = ctx;
    // Prepare + Act
    const run = await failOneSlice(ctx, "split-dlq", INTERNAL_ERROR);
    const { f, worker, sent } = run;
    // Assess: the slice message (and only it) is in the DLQ.
    await expectSliceInDlq(expect, run);
    // It failed on each of its 2 receives, at its one UploadPart of the failing part.
    expect(run.faults.map((r) => partNumberOf(r.url))).toEqual([FAILING_PART, FAILING_PART]);
    const retried = logged(worker, "slice failed, will be retried");
    expect(retried).toHaveLength(2);
    for (const l of retried) expect(l).toMatchObject({ slice: FAILED_SLICE, slices: SLICES });
    // Every other slice was copied: every part but the failing one is in the upload.
    expect(new Set(sent.parts)).toEqual(new Set(ALL_PARTS.filter((p) => p !== FAILING_PART)));
    expect(await uploadedParts(f, run.uploadId)).toEqual(
      ALL_PARTS.filter((p) => p !== FAILING_PART),
    );
    const copied = logged(worker, "slice copied").map((l) => Number(l.slice));
    expect(copied.sort()).toEqual([1, 2, 4]);
    expect(logged(worker, "object copied")).toEqual([]);
    await expect(
      f.clients.destinationS3.send(new HeadObjectCommand({ Bucket: f.dstBucket, Key: KEY })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    // The status item shows the slice's failure.
    const [item, ...others] = await f.statusItems();
    expect(others).toEqual([]);
    expect(item).toMatchObject({
      status: { S: "failed" },
      errorClass: { S: "retryable" },
      failedSlice: { N: String(FAILED_SLICE) },
      uploadId: { S: run.uploadId },
      splitSlices: { N: String(SLICES) },
    });
    const slicesDone = (item?.slicesDone as { NS?: string[] } | undefined)?.NS;
    expect(new Set(slicesDone)).toEqual(new Set(["1", "2", "4"]));
    const lastError = item?.lastError?.S ?? "";
    expect(lastError.startsWith(`slice ${FAILED_SLICE}/${SLICES}:`)).toBe(true);
    expect(lastError).toContain(INTERNAL_ERROR.message);
    // `status` lists it among the failures, with that error and its slices done / total.
    const env = bucketMapEnv(f);
    const json = await runOp("status", ["--json"], env);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    // The DLQ's one message, counted whatever its state: fauxqs reports a message that was
    // received with VisibilityTimeout 0 (the peek above) as not visible.
    const { waiting, inFlight, delayed } = report.dlq;
    expect(waiting + inFlight + delayed).toBe(1);
    expect(report.objects.failed).toEqual({ count: 1, bytes: run.body.length });
    expect(report.objects.failures).toEqual([
      expect.objectContaining({
        srcBucket: f.srcBucket,
        srcKey: KEY,
        errorClass: "retryable",
        lastError,
        split: expect.objectContaining({
          slices: SLICES,
          slicesDone: SLICES - 1,
          failedSlice: FAILED_SLICE,
        }),
      }),
    ]);
    const text = await runOp("status", [], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("DLQ:     1 messages");
    const line = text.stdout.split("\n").find((l) => l.includes(`${f.srcBucket}/${KEY} [`));
    expect(line).toContain(`slices ${SLICES - 1}/${SLICES} done`);
    expect(line).toContain(lastError.split("\n")[0]);
  }, 180_000);

  it("resumes on a redrive: only the failed slice's missing parts are sent, the object is done", async (ctx) => {
    const { expect, onTestFailed } = ctx;
    // Prepare: the slice in the DLQ, as above (here with 503 SlowDown).
    const run = await failOneSlice(ctx, "split-redrive", SLOW_DOWN);
    const { f } = run;
    await expectSliceInDlq(expect, run);
    expect((await f.statusItems())[0]?.failedSlice?.N).toBe(String(FAILED_SLICE));
    const held = await uploadedParts(f, run.uploadId);
    const missing = ALL_PARTS.filter((p) => !held.includes(p));
    expect(missing).toContain(FAILING_PART);
    for (const p of missing) expect(SLICE_PARTS).toContain(p);
    // Act: the fault is gone; the DLQ is redriven and a worker runs until idle.
    const env = bucketMapEnv(f);
    const redrive = await runOp("redrive", [], env);
    expect(redrive.code).toBe(0);
    expect(redrive.stderr).toContain("moved 1 messages");
    const after = partCounter();
    const workerEnv = await s.destinationEnv(f, "after", { after: after.after });
    const worker = s.worker(f, "after", UNTIL_IDLE, workerEnv, onTestFailed);
    // Assess
    expect(await worker.exited).toBe(0);
    expect(after.parts.sort((a, b) => a - b)).toEqual(missing);
    expect(logged(worker, "object split")).toEqual([]);
    expect(logged(worker, "slice copied")).toEqual([
      expect.objectContaining({
        slice: FAILED_SLICE,
        slicesDone: SLICES,
        partsCopied: missing.length,
        partsReused: SLICE_PARTS.length - missing.length,
        uploadId: run.uploadId,
      }),
    ]);
    expect(logged(worker, "object copied")).toEqual([expect.objectContaining({ slices: SLICES })]);
    const item = await expectCopied(f, run.body, SLICES);
    expect(item?.uploadId?.S).toBe(run.uploadId);
    expect(item?.failedSlice).toBeUndefined();
  }, 180_000);

  it("is re-sent by the next jobsender run: the split resumes, sending only the missing slice", async (ctx) => {
    const { expect, onTestFailed } = ctx;
    // Prepare: the slice in the DLQ, as above; then the DLQ is purged (never redriven).
    const run = await failOneSlice(ctx, "split-resend", INTERNAL_ERROR);
    const { f } = run;
    await expectSliceInDlq(expect, run);
    expect(await drainQueue(f.clients.sqs, f.dlqUrl)).toHaveLength(1);
    const held = await uploadedParts(f, run.uploadId);
    const missing = ALL_PARTS.filter((p) => !held.includes(p));
    // Act: the fault is gone; the jobsender runs on the fixture's buckets, then a worker.
    const env = bucketMapEnv(f);
    const jobsender = f.spawnJobsender([], env);
    expect(await jobsender.exited).toBe(0);
    expect(jobsender.text.stderr).toContain("sent 1 jobs");
    const after = partCounter();
    const workerEnv = await s.destinationEnv(f, "after", { after: after.after });
    const worker = s.worker(f, "after", UNTIL_IDLE, workerEnv, onTestFailed);
    // Assess: the same upload, resumed; only the failed slice was sent again.
    expect(await worker.exited).toBe(0);
    expect(logged(worker, "object split")).toEqual([
      expect.objectContaining({
        uploadId: run.uploadId,
        slices: SLICES,
        slicesSent: 1,
        restart: false,
      }),
    ]);
    expect(logged(worker, "slice copied")).toEqual([
      expect.objectContaining({ slice: FAILED_SLICE, partsCopied: missing.length }),
    ]);
    expect(after.parts.sort((a, b) => a - b)).toEqual(missing);
    expect(logged(worker, "object copied")).toEqual([expect.objectContaining({ slices: SLICES })]);
    const item = await expectCopied(f, run.body, SLICES);
    expect(item?.uploadId?.S).toBe(run.uploadId);
  }, 180_000);
});
