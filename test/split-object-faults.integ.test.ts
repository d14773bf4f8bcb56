import { afterAll, describe, it, vi } from "vitest";
import { bytes, put } from "./support/engine.js";
import { gate, passGate } from "./support/gates.js";
import {
  completeUpload,
  expectCopied,
  KEY,
  logged,
  PART,
  partCounter,
  partNumberOf,
  seed,
  sourceEtag,
  splitSuite,
  UNTIL_IDLE,
} from "./support/split-fixture.js";

/**
 * Faults during a split (issue 16), forced from outside the worker processes: a proxy holds
 * one request (a part's UploadPart, a ranged GET, the CompleteMultipartUpload) until the test
 * has killed the worker or changed the source. Short visibility timeouts bring a dead worker's
 * slice message back within seconds.
 * The tests run at once: each has its own fixture (buckets, queue and DLQ, status table),
 * proxies, gates and worker processes, and uses its context's `expect` and `onTestFailed`.
 */
const s = splitSuite();
afterAll(() => s.cleanup());

/** A hook's promise that never settles: the request stays held until its proxy closes. */
const forever = () => new Promise<void>(() => {});

describe.concurrent("faults during a split", () => {
  it("kill -9 mid-slice: another worker finishes the slice, sending none of its parts twice", async ({
    expect,
    onTestFailed,
  }) => {
    // Prepare: 12 parts, 2 per slice (6 slices). Worker A works on one message at a time; its
    // proxy holds the first even-numbered part it sends (a slice's second) for good, and A is
    // killed once that slice's first part is in S3.
    const f = await s.fixture("split-kill", { vt: 3, sliceMb: 10 }, { MaxParallelFile: "1" });
    const { job, body } = await seed(f, 11 * PART + 1234);
    const sentA = partCounter();
    const sentB = partCounter();
    let held = 0;
    const envA = await s.destinationEnv(f, "a", {
      before: ({ operation, url }) => {
        const pn = partNumberOf(url);
        if (operation !== "UploadPart" || pn % 2 === 1 || (held !== 0 && held !== pn)) return;
        held = pn;
        return forever();
      },
      after: sentA.after,
    });
    await f.sendJobs([job]);
    const a = s.worker(f, "a", [], envA, onTestFailed);
    await vi.waitFor(() => expect(held !== 0 && sentA.count(held - 1) === 1).toBe(true), {
      timeout: 60_000,
      interval: 50,
    });
    // Act
    a.child.kill("SIGKILL");
    expect(await a.exited).toBe("SIGKILL");
    const envB = await s.destinationEnv(f, "b", { after: sentB.after });
    const b = s.worker(f, "b", UNTIL_IDLE, envB, onTestFailed);
    // Assess
    expect(await b.exited).toBe(0);
    expect(sentA.parts).toContain(held - 1);
    expect(sentA.parts).not.toContain(held);
    expect(sentB.parts).toContain(held);
    expect(sentB.parts).not.toContain(held - 1);
    const all = [...sentA.parts, ...sentB.parts].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const resumed = logged(b, "slice copied").filter((l) => l.slice === held / 2);
    expect(resumed).toEqual([expect.objectContaining({ partsCopied: 1, partsReused: 1 })]);
    expect(logged(b, "object copied")).toHaveLength(1);
    await expectCopied(f, body, 6);
  }, 180_000);

  it("source overwritten mid-split: the split starts over and the destination is the new source", async ({
    expect,
    onTestFailed,
  }) => {
    // Prepare: 6 slices; the worker's first ranged GET of the source is held until the source
    // has been overwritten with other bytes of another size (8 parts).
    const f = await s.fixture("split-overwrite", { vt: 5 });
    const { job } = await seed(f, 6 * PART);
    const held = gate();
    const overwritten = gate();
    const env = await s.sourceEnv({
      before: ({ method, headers }) => {
        if (method !== "GET" || headers.range === undefined || held.isOpen) return;
        held.open();
        return passGate(overwritten, "the source overwritten", 90_000);
      },
    });
    await f.sendJobs([job]);
    const worker = s.worker(f, "w", UNTIL_IDLE, env, onTestFailed);
    await passGate(held, "a slice's read of the source", 90_000);
    // Act
    const newer = bytes(7 * PART + 99);
    await put(f.clients.sourceS3, f.srcBucket, KEY, newer);
    overwritten.open();
    // Assess: the old upload aborted (none left), the new one the object.
    expect(await worker.exited).toBe(0);
    const item = await expectCopied(f, newer, 8);
    expect(item?.sourceEtag?.S?.replace(/"/g, "")).toBe(await sourceEtag(f));
    const splits = logged(worker, "object split");
    expect(splits).toEqual([
      expect.objectContaining({ slices: 6, restart: false }),
      expect.objectContaining({ slices: 8, restart: true }),
    ]);
    expect(item?.uploadId?.S).toBe(splits[1]?.uploadId);
    expect(splits[1]?.uploadId).not.toBe(splits[0]?.uploadId);
  }, 180_000);

  it.for([
    ["never reaches S3", false],
    ["reaches S3 but its answer never reaches the worker", true],
  ] as const)(
    "kill -9 while the CompleteMultipartUpload %s: another worker records the object done",
    { timeout: 180_000 },
    async ([_case, completedInS3], { expect, onTestFailed }) => {
      // Prepare: 6 slices, all copied by worker A, whose CompleteMultipartUpload is held for good.
      const f = await s.fixture(`split-complete${completedInS3 ? "d" : ""}`, { vt: 3 });
      const { job, body } = await seed(f, 6 * PART);
      const held = gate();
      let uploadId = "";
      const envA = await s.destinationEnv(f, "a", {
        before: ({ operation, url }) => {
          if (operation !== "CompleteMultipartUpload") return;
          uploadId = new URL(url, "http://x").searchParams.get("uploadId") ?? "";
          held.open();
          return forever();
        },
      });
      await f.sendJobs([job]);
      const a = s.worker(f, "a", [], envA, onTestFailed);
      await passGate(held, "A's CompleteMultipartUpload", 90_000);
      // Act
      a.child.kill("SIGKILL");
      expect(await a.exited).toBe("SIGKILL");
      if (completedInS3) await completeUpload(f, uploadId);
      const sentB = partCounter();
      const envB = await s.destinationEnv(f, "b", { after: sentB.after });
      const b = s.worker(f, "b", UNTIL_IDLE, envB, onTestFailed);
      // Assess: A had copied every slice; B copied no part and recorded the object done.
      expect(await b.exited).toBe(0);
      expect(new Set(logged(a, "slice copied").map((l) => l.slice))).toEqual(
        new Set([1, 2, 3, 4, 5, 6]),
      );
      expect(logged(a, "object copied")).toEqual([]);
      expect(sentB.parts).toEqual([]);
      const completes = sentB.writes.filter((w) => w.endsWith("CompleteMultipartUpload"));
      expect(completes).toHaveLength(completedInS3 ? 0 : 1);
      const item = await expectCopied(f, body, 6);
      expect(item?.uploadId?.S).toBe(uploadId);
    },
  );
});
