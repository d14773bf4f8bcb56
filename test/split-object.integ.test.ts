import { afterAll, describe, expect, it } from "vitest";
import { gate, passGate } from "./support/gates.js";
import {
  expectCopied,
  logged,
  PART,
  partCounter,
  seed,
  sliceMessage,
  splitSuite,
  UNTIL_IDLE,
} from "./support/split-fixture.js";

/**
 * Giant objects split across worker processes (issue 16) on the local stack: an object above
 * SplitThreshold (10 MB here) becomes one multipart upload whose slices (SplitSliceSize, 5 MB:
 * one 5 MiB part each) are queued as messages that any worker copies; the worker that finishes
 * the last slice completes the upload. Faults are in split-object-faults.integ.test.ts.
 */
const s = splitSuite();
afterAll(() => s.cleanup());

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("a giant object split across worker processes", () => {
  it("three workers each copy some of its 7 slices; one complete upload, byte for byte", async () => {
    // Prepare: 7 parts (the last one 123 B), one per slice. Each worker reaches the destination
    // through its own proxy, which holds its parts until all three workers have sent one; each
    // works on 2 messages at most (MaxParallelFile), so two held workers leave slices to the third.
    const f = await s.fixture("split-three", { vt: 30 }, { MaxParallelFile: "2" });
    const { job, body } = await seed(f, 6 * PART + 123);
    const arrived = [gate(), gate(), gate()];
    const all = gate();
    void Promise.all(arrived.map((g) => g.opened)).then(all.open);
    const envs = await Promise.all(
      arrived.map((mine, i) =>
        s.destinationEnv(f, `w${i}`, {
          before: ({ operation }) => {
            if (operation !== "UploadPart") return;
            mine.open();
            return passGate(all, "all three workers sent a part", 90_000);
          },
        }),
      ),
    );
    await f.sendJobs([job]);
    // Act
    const workers = envs.map((env, i) => s.worker(f, `w${i}`, UNTIL_IDLE, env));
    await passGate(all, "every worker took a slice and sent a part", 90_000);
    const codes = await Promise.all(workers.map((w) => w.exited));
    // Assess
    expect(codes).toEqual([0, 0, 0]);
    const split = workers.flatMap((w) => logged(w, "object split"));
    expect(split).toEqual([expect.objectContaining({ slices: 7, slicesSent: 7 })]);
    const copied = workers.map((w) => logged(w, "slice copied"));
    for (const mine of copied) expect(mine.length).toBeGreaterThan(0);
    const slices = copied.flat().map((l) => Number(l.slice));
    expect(slices.sort((a, b) => a - b)).toEqual(range(7));
    for (const l of copied.flat()) {
      expect(l).toMatchObject({ slices: 7, uploadId: split[0]?.uploadId });
    }
    const completed = workers.flatMap((w) => logged(w, "object copied"));
    expect(completed).toEqual([expect.objectContaining({ slices: 7 })]);
    const item = await expectCopied(f, body, 7);
    expect(item?.uploadId?.S).toBe(split[0]?.uploadId);
  }, 180_000);

  it("deletes duplicate slice messages, mid-split and after the object is done", async () => {
    // Prepare: 6 slices; the worker's parts wait until a second copy of slice 2 (built from the
    // status item, as the splitting worker builds it) is in the queue.
    const f = await s.fixture("split-dup", { vt: 5 });
    const { job, body } = await seed(f, 6 * PART);
    const duplicateSent = gate();
    const env = await s.destinationEnv(f, "w", {
      before: ({ operation }) =>
        operation === "UploadPart" ? passGate(duplicateSent, "the duplicate sent") : undefined,
    });
    await f.sendJobs([job]);
    const worker = s.worker(f, "w", UNTIL_IDLE, env);
    const split = await worker.waitFor((l) => l.message === "object split");
    const duplicate = await sliceMessage(f, job, 2);
    expect(JSON.parse(duplicate)).toMatchObject({ UploadId: split.uploadId, Slice: 2, Slices: 6 });
    // Act: the duplicate arrives while slice 2 is still to be copied.
    await f.sendBodies([duplicate]);
    duplicateSent.open();
    // Assess
    expect(await worker.exited).toBe(0);
    const done = await expectCopied(f, body, 6);
    const copied = logged(worker, "slice copied").map((l) => Number(l.slice));
    expect(new Set(copied)).toEqual(new Set(range(6)));
    expect(logged(worker, "object copied")).toHaveLength(1);
    // Act: the same duplicate again, now that the object is done (its upload completed).
    await f.sendBodies([duplicate]);
    const sent = partCounter();
    const lateEnv = await s.destinationEnv(f, "late", { after: sent.after });
    const late = s.worker(f, "late", UNTIL_IDLE, lateEnv);
    // Assess: deleted without a write to the destination; the object and its item unchanged.
    expect(await late.exited).toBe(0);
    expect(sent.writes).toEqual([]);
    expect(logged(late, "object copied")).toEqual([]);
    const after = await expectCopied(f, body, 6);
    expect(after?.dstEtag).toEqual(done?.dstEtag);
    expect(after?.uploadId).toEqual(done?.uploadId);
  }, 180_000);
});
