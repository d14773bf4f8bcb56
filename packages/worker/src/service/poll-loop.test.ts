import type { Message } from "@aws-sdk/client-sqs";
import { FatalError } from "@s3-migration/common";
import { afterEach, describe, expect, it, vi } from "vitest";
import { capturedLog } from "../testing/captured-log.js";
import { FakeSqs, sqsMessage } from "../testing/fake-sqs.js";
import { awsError } from "../testing/processor-harness.js";
import { PollLoop, type PollLoopOptions } from "./poll-loop.js";

afterEach(() => {
  vi.useRealTimers();
});

const TIMERS = ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] as const;

/** What the stub processor does with its n-th message (0-based). */
type Outcome = (n: number, signal: AbortSignal) => Promise<void>;

/** A loop on a fake queue whose processor runs `outcome`; records what it was handed. */
function setup(outcome: Outcome, options: Partial<PollLoopOptions> = {}) {
  const sqs = new FakeSqs();
  const { logger, lines } = capturedLog();
  const handed: { message: Message; signal: AbortSignal }[] = [];
  const processor = {
    process: (message: Message, signal: AbortSignal) => {
      handed.push({ message, signal });
      return outcome(handed.length - 1, signal);
    },
  };
  const loop = new PollLoop({
    sqs,
    queueUrl: "q",
    processor,
    logger,
    maxMessages: 1,
    waitSeconds: 20,
    ...options,
  });
  return { sqs, lines, handed, loop };
}

const messages = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => sqsMessage("{}", 1, `m-${from + i}`));
const fatal = () => new FatalError("access key rejected");

describe("PollLoop", () => {
  it("asks for at most the free slots, never more than 10, and aborts the jobs on stop", async () => {
    // Prepare: 12 slots; jobs run until the test ends them.
    const finish: (() => void)[] = [];
    const { sqs, handed, loop } = setup(() => new Promise((r) => finish.push(r)), {
      maxMessages: 12,
      waitSeconds: 7,
    });
    sqs.receives.push(messages(7), messages(5, 7));
    // Act
    const run = loop.run();
    await vi.waitFor(() => expect(handed).toHaveLength(12));
    loop.stop("SIGTERM");
    const abortedOnStop = handed.every((h) => h.signal.aborted);
    for (const f of finish) f();
    // Assess
    expect(await run).toBe("stopped");
    expect(abortedOnStop).toBe(true);
    expect(sqs.inputs("ReceiveMessage")).toMatchObject([
      { MaxNumberOfMessages: 10, WaitTimeSeconds: 7 },
      { MaxNumberOfMessages: 5, WaitTimeSeconds: 7 },
    ]);
    expect(sqs.inputs("ReceiveMessage")[0]?.MessageSystemAttributeNames).toContain(
      "ApproximateReceiveCount",
    );
  });

  it("releases what a poll brings after stop, without processing it", async () => {
    // Prepare: a long poll the test answers itself, after stop().
    const { sqs, handed, loop } = setup(async () => undefined);
    let answer: (m: readonly Message[]) => void = () => undefined;
    let polled: () => void = () => undefined;
    const polling = new Promise<void>((r) => {
      polled = r;
    });
    sqs.receives.push(
      () =>
        new Promise((r) => {
          answer = r;
          polled();
        }),
    );
    // Act
    const run = loop.run();
    await polling;
    loop.stop("SIGTERM");
    answer(messages(2));
    // Assess
    expect(await run).toBe("stopped");
    expect(handed).toEqual([]);
    expect(
      sqs.settles().map((c) => [c.name, c.input.ReceiptHandle, c.input.VisibilityTimeout]),
    ).toEqual([
      ["ChangeMessageVisibility", "receipt-m-0", 0],
      ["ChangeMessageVisibility", "receipt-m-1", 0],
    ]);
  });

  it("returns fatal after fatalLimit fatal errors in a row, doubling its backoff", async () => {
    // Prepare: every poll fails with a fatal error.
    vi.useFakeTimers({ toFake: [...TIMERS] });
    const { sqs, lines, loop } = setup(async () => undefined, { fatalLimit: 3 });
    const polledAt: number[] = [];
    const start = Date.now();
    for (let i = 0; i < 5; i++) {
      sqs.receives.push(async () => {
        polledAt.push(Date.now() - start);
        throw awsError("AWS.SimpleQueueService.NonExistentQueue", 400);
      });
    }
    // Act
    const run = loop.run();
    await vi.advanceTimersByTimeAsync(60_000);
    // Assess: polls at 0, 2 s, 6 s; the third backoff (8 s) ends the loop.
    expect(await run).toBe("fatal");
    expect(polledAt).toEqual([0, 2000, 6000]);
    const errors = lines.filter((l) => l.level === "error");
    expect(errors.map((l) => [l.fatalErrorsInARow, l.backoffMs])).toEqual([
      [1, 2000],
      [2, 4000],
      [3, 8000],
    ]);
    expect(lines.find((l) => l.message === "worker stopping")?.reason).toBe(
      "3 fatal errors in a row",
    );
  });

  it("starts the fatal streak over when a job succeeds", async () => {
    // Prepare: jobs fail fatally, fatally, succeed, then fail fatally three times.
    vi.useFakeTimers({ toFake: [...TIMERS] });
    const script = [fatal, fatal, undefined, fatal, fatal, fatal];
    const { sqs, handed, loop } = setup(
      async (n) => {
        const err = script[n]?.();
        if (err) throw err;
      },
      { fatalLimit: 3 },
    );
    for (let i = 0; i < script.length; i++) sqs.receives.push(messages(1, i));
    // Act
    const run = loop.run();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    // Assess: without the reset, the fourth job would have ended the loop.
    expect(await run).toBe("fatal");
    expect(handed).toHaveLength(6);
  });

  it("ends in batch mode once the queue has been empty for untilIdleSec", async () => {
    // Prepare: 1 s polls; the queue reports a message in flight for its first 3 checks.
    vi.useFakeTimers({ toFake: [...TIMERS] });
    const { sqs, lines, loop } = setup(async () => undefined, { waitSeconds: 1, untilIdleSec: 5 });
    let checks = 0;
    sqs.counts = () => ({ visible: 0, inFlight: checks++ < 3 ? 1 : 0, delayed: 0 });
    const start = Date.now();
    let endedAt = 0;
    // Act
    const run = loop.run().then((end) => {
      endedAt = Date.now() - start;
      return end;
    });
    await vi.advanceTimersByTimeAsync(60_000);
    // Assess: empty from the 4th check (4 s) on, so idle 5 s later.
    expect(await run).toBe("idle");
    expect(endedAt).toBe(9000);
    expect(lines.find((l) => l.message === "queue empty, batch mode ends")).toBeDefined();
  });
});
