import { type CopyJob, formatJobMessage } from "@s3-migration/common";
import { describe, expect, it } from "vitest";
import { type JobSink, sendJobs } from "./send-jobs.js";

const job = (i: number): CopyJob => ({
  srcBucket: "src",
  srcKey: `k${i}`,
  dstBucket: "dst",
  dstKey: `k${i}`,
  size: i,
  versionId: undefined,
});

/** A sink that records every call; `onAdd` runs after each body is taken. */
function recordingSink(onAdd: (count: number) => void = () => {}) {
  const calls: string[] = [];
  const bodies: string[] = [];
  const sink: JobSink = {
    add: async (body) => {
      bodies.push(body);
      calls.push("add");
      onAdd(bodies.length);
    },
    flush: async () => {
      calls.push("flush");
    },
  };
  return { sink, bodies, calls };
}

/** A plan of `count` jobs that records how many were pulled and whether it was closed. */
function plan(count: number, between?: (i: number) => Promise<void>) {
  const state = { pulled: 0, closed: false };
  async function* generate(): AsyncGenerator<CopyJob> {
    try {
      for (let i = 0; i < count; i++) {
        await between?.(i);
        state.pulled++;
        yield job(i);
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, jobs: generate() };
}

/** What the SDK does with a request whose abort signal fires: it rejects with an AbortError. */
function requestCutBy(signal: AbortSignal): Promise<void> {
  return new Promise((_, reject) => {
    signal.addEventListener("abort", () =>
      reject(new DOMException("This operation was aborted", "AbortError")),
    );
  });
}

describe("sendJobs", () => {
  it("sends every job of a plan that ends, then flushes once", async () => {
    // Prepare
    const { jobs, state } = plan(5);
    const { sink, bodies, calls } = recordingSink();

    // Act
    const outcome = await sendJobs(jobs, sink, new AbortController().signal);

    // Assess
    expect(outcome).toEqual({ stopped: false });
    expect(bodies).toEqual([0, 1, 2, 3, 4].map((i) => formatJobMessage(job(i))));
    expect(calls.at(-1)).toBe("flush");
    expect(calls.filter((c) => c === "flush")).toHaveLength(1);
    expect(state.closed).toBe(true);
  });

  it("stops taking jobs once the deadline passed between two jobs, flushes what it took and closes the plan", async () => {
    // Prepare: the deadline fires while the third job is being added.
    const deadline = new AbortController();
    const { jobs, state } = plan(100);
    const { sink, bodies, calls } = recordingSink((n) => {
      if (n === 3) deadline.abort();
    });

    // Act
    const outcome = await sendJobs(jobs, sink, deadline.signal);

    // Assess
    expect(outcome).toEqual({ stopped: true });
    expect(bodies).toEqual([0, 1, 2].map((i) => formatJobMessage(job(i))));
    expect(calls).toEqual(["add", "add", "add", "flush"]);
    expect(state.pulled).toBe(3);
    expect(state.closed).toBe(true);
  });

  it("takes a listing request cut by the deadline as a stop, keeping the jobs planned before it", async () => {
    // Prepare: after two jobs the plan waits on a listing request, and the deadline fires then.
    const deadline = new AbortController();
    const { jobs } = plan(10, async (i) => {
      if (i !== 2) return;
      const request = requestCutBy(deadline.signal);
      deadline.abort();
      await request;
    });
    const { sink, bodies, calls } = recordingSink();

    // Act
    const outcome = await sendJobs(jobs, sink, deadline.signal);

    // Assess
    expect(outcome).toEqual({ stopped: true });
    expect(bodies).toHaveLength(2);
    expect(calls).toEqual(["add", "add", "flush"]);
  });

  it("throws a failure of the plan when no deadline passed", async () => {
    // Prepare
    const { jobs } = plan(10, async (i) => {
      if (i === 4) throw new Error("ListObjectsV2 refused");
    });
    const { sink, calls } = recordingSink();

    // Act + Assess
    await expect(sendJobs(jobs, sink, new AbortController().signal)).rejects.toThrow(
      "ListObjectsV2 refused",
    );
    expect(calls).not.toContain("flush");
  });

  it("throws a failure of the sink even after the deadline, and closes the plan", async () => {
    // Prepare: the send fails at the moment the deadline fires.
    const deadline = new AbortController();
    const { jobs, state } = plan(10);
    const sink: JobSink = {
      add: async () => {
        deadline.abort();
        throw new Error("SendMessageBatch refused");
      },
      flush: async () => {},
    };

    // Act + Assess
    await expect(sendJobs(jobs, sink, deadline.signal)).rejects.toThrow("SendMessageBatch refused");
    expect(state.closed).toBe(true);
  });
});
