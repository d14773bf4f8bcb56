import type { Message } from "@aws-sdk/client-sqs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConnectionPool } from "../engine/transfer/connection-pool.js";
import { capturedLog } from "../testing/captured-log.js";
import { FakeSqs, sqsMessage } from "../testing/fake-sqs.js";
import { PollLoop, type PollLoopOptions } from "./poll-loop.js";

// How the loop sizes its receives from the worker's connection cap (issue 15: concurrency by
// connections and bytes in flight, not by a count of files).

afterEach(() => {
  vi.useRealTimers();
});

/** Lets the event loop turn `n` times: whatever the loop would do next has happened. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

/** Never settles: a request that holds its connection until the test ends. */
const forever = () => new Promise<never>(() => {});

/** A queue with `available` messages; it records how many receives run at once. */
function queueOf(available: number) {
  const sqs = new FakeSqs();
  let next = 0;
  const inFlight = { now: 0, most: 0 };
  for (let i = 0; i < 100; i++) {
    sqs.receives.push(async () => {
      inFlight.now++;
      inFlight.most = Math.max(inFlight.most, inFlight.now);
      // Let every receive of a round start before the first answers.
      await new Promise((r) => setImmediate(r));
      inFlight.now--;
      const asked = Number(sqs.inputs("ReceiveMessage")[i]?.MaxNumberOfMessages);
      const count = Math.max(0, Math.min(asked, available - next));
      next += count;
      return Array.from({ length: count }, (_, k) => sqsMessage("{}", 1, `m-${next - count + k}`));
    });
  }
  return { sqs, inFlight };
}

function loopOn(sqs: FakeSqs, process: (m: Message) => Promise<void>, o: Partial<PollLoopOptions>) {
  const handed: Message[] = [];
  const loop = new PollLoop({
    sqs,
    queueUrl: "q",
    processor: {
      process: (message) => {
        handed.push(message);
        return process(message);
      },
    },
    logger: capturedLog().logger,
    maxMessages: 1000,
    waitSeconds: 20,
    ...o,
  });
  return { loop, handed };
}

describe("PollLoop with a connection cap", () => {
  it("takes as many small objects as there are connections, with parallel receives on a backlog", async () => {
    // Prepare: 30 connections, 100 messages waiting; each message holds one connection.
    const pool = new ConnectionPool(30);
    const { sqs, inFlight } = queueOf(100);
    const { loop, handed } = loopOn(sqs, () => pool.run(forever), { connections: pool });
    // Act
    const run = loop.run();
    await vi.waitFor(() => expect(handed).toHaveLength(30));
    await turns(20);
    loop.stop("test");
    // Assess: 30 taken and no more; after the first full receive, receives ran side by side.
    expect(handed).toHaveLength(30);
    expect(pool.active).toBe(30);
    expect(inFlight.most).toBeGreaterThanOrEqual(2);
    const asked = sqs.inputs("ReceiveMessage").map((i) => Number(i.MaxNumberOfMessages));
    expect(asked.reduce((a, b) => a + b, 0)).toBe(30);
    void run;
  });

  it("takes no message while one object's queued parts claim every connection", async () => {
    // Prepare: 8 connections; the first message queues 20 parts the test finishes one by one.
    const pool = new ConnectionPool(8);
    const { sqs } = queueOf(100);
    const gates: (() => void)[] = [];
    const part = () => pool.run(() => new Promise<void>((r) => gates.push(r)));
    let first = true;
    const { loop, handed } = loopOn(
      sqs,
      async () => {
        if (!first) return pool.run(async () => {});
        first = false;
        await Promise.all(Array.from({ length: 20 }, part));
      },
      { connections: pool },
    );
    // Act: the first receive brings 8 messages (8 free): the big one's parts claim the pool.
    const run = loop.run();
    await vi.waitFor(() => expect(handed.length).toBeGreaterThan(0));
    await vi.waitFor(() => expect(pool.active).toBe(8));
    const takenWhileFull = handed.length;
    const receivesWhileFull = sqs.inputs("ReceiveMessage").length;
    await turns(20);
    const stillNothing = sqs.inputs("ReceiveMessage").length === receivesWhileFull;
    // Finish parts until the object has no part waiting and some connections are free.
    while (pool.pending > 0 || pool.active > 5) {
      gates.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await vi.waitFor(() => expect(handed.length).toBeGreaterThan(takenWhileFull));
    loop.stop("test");
    // Assess
    expect(stillNothing).toBe(true);
    void run;
  });

  it("keeps to MaxParallelFile when an ini sets it, however many connections are free", async () => {
    // Prepare: 100 connections, MaxParallelFile 3.
    const pool = new ConnectionPool(100);
    const { sqs } = queueOf(100);
    const { loop, handed } = loopOn(sqs, () => pool.run(forever), {
      connections: pool,
      maxMessages: 3,
    });
    // Act
    const run = loop.run();
    await vi.waitFor(() => expect(handed).toHaveLength(3));
    await turns(20);
    loop.stop("test");
    // Assess
    expect(handed).toHaveLength(3);
    expect(sqs.inputs("ReceiveMessage").map((i) => i.MaxNumberOfMessages)).toEqual([3]);
    void run;
  });
});
