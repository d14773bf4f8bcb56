import { QueueDoesNotExist, ReceiptHandleIsInvalid } from "@aws-sdk/client-sqs";
import { FatalError, RetryableError } from "@s3-migration/common";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { capturedLog } from "../testing/captured-log.js";
import { FakeSqs } from "../testing/fake-sqs.js";
import { SqsBatcher, SqsSettleError } from "./sqs-batcher.js";

const QUEUE_URL = "https://sqs.local/q";
const $metadata = { httpStatusCode: 400 };

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/** A promise's state as the test sees it, without awaiting it. */
type Tracked = { state: "pending" | "resolved" | "rejected"; error?: unknown };

function track(promise: Promise<void>): Tracked {
  const t: Tracked = { state: "pending" };
  promise.then(
    () => Object.assign(t, { state: "resolved" }),
    (error: unknown) => Object.assign(t, { state: "rejected", error }),
  );
  return t;
}

const states = (tracked: readonly Tracked[]) => tracked.map((t) => t.state);

function setup(flushMs?: number) {
  const sqs = new FakeSqs();
  const { logger, lines } = capturedLog();
  return { sqs, lines, batcher: new SqsBatcher({ sqs, queueUrl: QUEUE_URL, logger, flushMs }) };
}

/** One field of the entries of every batch call of one kind, one array per call. */
function batches(sqs: FakeSqs, name: string, field = "ReceiptHandle"): unknown[][] {
  return sqs.inputs(name).map((i) => (i.Entries as Record<string, unknown>[]).map((e) => e[field]));
}

/** Holds the single call of `handle` until the function returned is called. */
function hold(sqs: FakeSqs, handle: string): () => void {
  let release = () => {};
  sqs.singleAnswers.set(handle, () => new Promise<void>((r) => (release = r)));
  return () => release();
}

const handles = (n: number, prefix = "r") => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe("SqsBatcher", () => {
  it("sends 25 deletes as batches of 10, 10 and 5 and resolves every one", async () => {
    // Prepare
    const { sqs, batcher } = setup();
    // Act
    const h = handles(25);
    const results = h.map((handle) => track(batcher.delete(handle)));
    const sentBeforeTimer = batches(sqs, "DeleteMessageBatch").map((b) => b.length);
    await vi.advanceTimersByTimeAsync(10);
    // Assess: two full batches at once, the last five when the timer fires, nothing alone.
    expect(sentBeforeTimer).toEqual([10, 10]);
    expect(batches(sqs, "DeleteMessageBatch")).toEqual([
      h.slice(0, 10),
      h.slice(10, 20),
      h.slice(20),
    ]);
    expect(sqs.inputs("DeleteMessageBatch").every((i) => i.QueueUrl === QUEUE_URL)).toBe(true);
    expect(sqs.settles().map((c) => c.name)).toEqual(Array(3).fill("DeleteMessageBatch"));
    expect(states(results)).toEqual(Array(25).fill("resolved"));
  });

  it("sends a partial batch flushMs after its first entry, not before", async () => {
    // Prepare
    const { sqs, batcher } = setup(50);
    // Act
    const first = track(batcher.delete("r0"));
    await vi.advanceTimersByTimeAsync(30);
    const second = track(batcher.delete("r1"));
    await vi.advanceTimersByTimeAsync(19);
    const at49 = { sent: sqs.settles().length, first: first.state };
    await vi.advanceTimersByTimeAsync(1);
    // Assess: the window counts from the first entry (50 ms), and the second joins its batch.
    expect(at49).toEqual({ sent: 0, first: "pending" });
    expect(batches(sqs, "DeleteMessageBatch")).toEqual([["r0", "r1"]]);
    expect([first.state, second.state]).toEqual(["resolved", "resolved"]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("retries a failed entry alone, and only its promise waits for that call", async () => {
    // Prepare: r3 fails in the batch; its single DeleteMessage is held until the test lets go.
    const { sqs, lines, batcher } = setup();
    sqs.failInBatch.set("r3", "InternalError");
    const release = hold(sqs, "r3");
    // Act
    const h = handles(10);
    const results = h.map((handle) => track(batcher.delete(handle)));
    await vi.advanceTimersByTimeAsync(0);
    const whileHeld = states(results);
    release();
    await batcher.flush();
    // Assess: one batch, one DeleteMessage for r3 only; the other nine resolved with the batch.
    expect(sqs.settles().map((c) => c.name)).toEqual(["DeleteMessageBatch", "DeleteMessage"]);
    expect(sqs.inputs("DeleteMessage")).toEqual([{ QueueUrl: QUEUE_URL, ReceiptHandle: "r3" }]);
    expect(whileHeld).toEqual(h.map((_, i) => (i === 3 ? "pending" : "resolved")));
    expect(results[3]?.state).toBe("resolved");
    const warning = { level: "warn", operation: "DeleteMessage", code: "InternalError" };
    expect(lines).toContainEqual(expect.objectContaining(warning));
  });

  it("rejects an entry whose retry alone fails too, with SQS's code, while the others resolve", async () => {
    // Prepare: SQS no longer knows r1's receipt, in the batch and alone.
    const { sqs, batcher } = setup();
    const invalid = new ReceiptHandleIsInvalid({ message: "The receipt expired", $metadata });
    sqs.failInBatch.set("r1", "ReceiptHandleIsInvalid");
    sqs.singleAnswers.set("r1", invalid);
    // Act
    const results = handles(3).map((h) => track(batcher.delete(h)));
    await batcher.flush();
    // Assess
    expect(states(results)).toEqual(["resolved", "rejected", "resolved"]);
    expect(results[1]?.error).toBeInstanceOf(SqsSettleError);
    expect(results[1]?.error).toBeInstanceOf(RetryableError);
    expect(results[1]?.error).toMatchObject({
      code: "ReceiptHandleIsInvalid",
      operation: "DeleteMessage",
      cause: invalid,
      message: "DeleteMessage failed with ReceiptHandleIsInvalid: The receipt expired",
    });
    expect(sqs.inputs("DeleteMessage")).toEqual([{ QueueUrl: QUEUE_URL, ReceiptHandle: "r1" }]);
  });

  it("retries alone an entry missing from both Successful and Failed", async () => {
    // Prepare
    const { sqs, batcher } = setup();
    sqs.omitFromBatch.add("r2");
    const release = hold(sqs, "r2");
    // Act
    const results = handles(4).map((h) => track(batcher.changeVisibility(h, 30)));
    await vi.advanceTimersByTimeAsync(10);
    const whileHeld = results[2]?.state;
    release();
    await batcher.flush();
    // Assess: not done until its own call answered.
    expect(whileHeld).toBe("pending");
    expect(sqs.inputs("ChangeMessageVisibility")).toEqual([
      { QueueUrl: QUEUE_URL, ReceiptHandle: "r2", VisibilityTimeout: 30 },
    ]);
    expect(states(results)).toEqual(Array(4).fill("resolved"));
  });

  it("retries each entry alone when the batch call throws, each following its own call", async () => {
    // Prepare: the batch call fails as a whole; r1 then fails alone too.
    const { sqs, lines, batcher } = setup();
    sqs.batchErrors.push(Object.assign(new Error("socket hang up"), { name: "ECONNRESET" }));
    sqs.singleAnswers.set("r1", new ReceiptHandleIsInvalid({ message: "gone", $metadata }));
    // Act
    const results = handles(3).map((h) => track(batcher.delete(h)));
    await batcher.flush();
    // Assess
    expect(sqs.inputs("DeleteMessageBatch")).toHaveLength(1);
    expect(sqs.inputs("DeleteMessage").map((i) => i.ReceiptHandle)).toEqual(handles(3));
    expect(states(results)).toEqual(["resolved", "rejected", "resolved"]);
    expect(results[1]?.error).toMatchObject({ code: "ReceiptHandleIsInvalid" });
    const warning = { level: "warn", message: "SQS batch call failed, entries sent one by one" };
    expect(lines).toContainEqual(expect.objectContaining(warning));
  });

  it("rejects with a FatalError when SQS says the queue is gone", async () => {
    // Prepare
    const { sqs, batcher } = setup();
    const gone = new QueueDoesNotExist({ message: "no queue", $metadata });
    sqs.batchErrors.push(gone);
    sqs.singleAnswers.set("r0", gone);
    // Act
    const result = track(batcher.delete("r0"));
    await batcher.flush();
    // Assess: the poll loop backs off on it, as it did on an unbatched delete.
    expect(result).toMatchObject({ state: "rejected", error: { cause: gone } });
    expect(result.error).toBeInstanceOf(FatalError);
  });

  it("never puts deletes and visibility changes in the same call", async () => {
    // Prepare
    const { sqs, batcher } = setup();
    const [d, v] = [handles(12, "d"), handles(12, "v")];
    // Act: interleaved, 12 of each.
    const results = d.flatMap((h, i) => [
      track(batcher.delete(h)),
      track(batcher.changeVisibility(v[i] ?? "", 60)),
    ]);
    await batcher.flush();
    // Assess
    expect(batches(sqs, "DeleteMessageBatch")).toEqual([d.slice(0, 10), d.slice(10)]);
    expect(batches(sqs, "ChangeMessageVisibilityBatch")).toEqual([v.slice(0, 10), v.slice(10)]);
    const timeouts = batches(sqs, "ChangeMessageVisibilityBatch", "VisibilityTimeout").flat();
    expect(timeouts).toEqual(Array(12).fill(60));
    expect(sqs.settles()).toHaveLength(4);
    expect(states(results)).toEqual(Array(24).fill("resolved"));
  });

  it("gives entries ids unique within their batch and valid for SQS", async () => {
    // Prepare: receipt handles as SQS makes them (long, with + / =), one repeated.
    const { sqs, batcher } = setup();
    const receipt = (i: number) => `AQEB${"x+/=".repeat(100)}${i}`;
    // Act
    const all = [...handles(9).map((_, i) => receipt(i)), receipt(0), receipt(10)];
    const results = all.map((h) => track(batcher.delete(h)));
    await batcher.flush();
    // Assess: the fake refuses what SQS refuses, and every batch passed.
    const idLists = batches(sqs, "DeleteMessageBatch", "Id");
    expect(idLists.map((ids) => [ids.length, new Set(ids).size])).toEqual([
      [10, 10],
      [1, 1],
    ]);
    expect(idLists.flat().every((id) => /^[A-Za-z0-9_-]{1,80}$/.test(String(id)))).toBe(true);
    expect(sqs.inputs("DeleteMessage")).toEqual([]);
    expect(states(results)).toEqual(Array(11).fill("resolved"));
  });

  it("close() sends what waits, stops the timers, and sends later calls at once", async () => {
    // Prepare
    const { sqs, batcher } = setup(1_000);
    const deletes = ["r0", "r1"].map((h) => track(batcher.delete(h)));
    const waiting = [...deletes, track(batcher.changeVisibility("r2", 0))];
    // Act
    await batcher.close();
    const timersAfterClose = vi.getTimerCount();
    const late = track(batcher.delete("r3"));
    const sentAtOnce = batches(sqs, "DeleteMessageBatch").at(-1);
    await batcher.flush();
    // Assess: no timer was advanced; everything went out and settled.
    expect(states([...waiting, late])).toEqual(Array(4).fill("resolved"));
    expect(batches(sqs, "ChangeMessageVisibilityBatch")).toEqual([["r2"]]);
    expect(batches(sqs, "DeleteMessageBatch")).toEqual([["r0", "r1"], ["r3"]]);
    expect([timersAfterClose, sentAtOnce, vi.getTimerCount()]).toEqual([0, ["r3"], 0]);
  });

  it("keeps the process alive until a partial batch is sent", async () => {
    // Prepare
    const { batcher } = setup();
    const setTimeoutSpy = vi.spyOn(globalThis, "setTimeout");
    // Act
    const pending = track(batcher.delete("r0"));
    const timer = setTimeoutSpy.mock.results[0]?.value as NodeJS.Timeout;
    // Assess: one timer, referenced (a process whose last await is a settle must not exit).
    expect([setTimeoutSpy.mock.calls.length, timer.hasRef()]).toEqual([1, true]);
    await vi.advanceTimersByTimeAsync(10);
    expect(pending.state).toBe("resolved");
  });

  it("refuses a flushMs that is not a finite number of milliseconds ≥ 0", () => {
    // Prepare, Act, Assess
    expect(() => setup(-1)).toThrow("flushMs [-1] must be a finite number of milliseconds ≥ 0");
    expect(() => setup(Number.NaN)).toThrow("flushMs [NaN]");
  });
});
