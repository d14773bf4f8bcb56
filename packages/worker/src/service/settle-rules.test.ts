import { describe, expect, it } from "vitest";
import { busyDelaySec } from "./job-timing.js";
import { type JobOutcome, settlement } from "./settle-rules.js";

const done: JobOutcome = { kind: "done" };
const failed: JobOutcome = { kind: "object-failed" };
const retry: JobOutcome = { kind: "retry" };
const released: JobOutcome = { kind: "released" };
const lost: JobOutcome = { kind: "lease-lost" };
const busy = (delaySec: number): JobOutcome => ({ kind: "busy", delaySec });

describe("settlement", () => {
  it.each([
    ["every object copied or failed for good", [done, failed], { kind: "delete" }],
    ["a shutdown", [done, released, retry, busy(30)], { kind: "visibility", seconds: 0 }],
    ["a retryable failure", [done, retry], { kind: "visibility", seconds: 40 }],
    ["a busy object", [done, busy(25)], { kind: "visibility", seconds: 25 }],
    ["a busy object and a shorter backoff", [retry, busy(90)], { kind: "visibility", seconds: 90 }],
    ["a busy object and a longer backoff", [busy(5), retry], { kind: "visibility", seconds: 40 }],
    ["a lost lease, whatever else", [done, released, retry, busy(9), lost], { kind: "leave" }],
  ] as const)("settles a message with %s", (_what, outcomes, expected) => {
    expect(settlement(outcomes, 40)).toEqual(expected);
  });
});

describe("busyDelaySec", () => {
  it.each([
    [20_000, 25],
    [19_001, 25],
    [0, 5],
    [-60_000, 5],
    [100 * 3600_000, 43_200],
  ])("waits for a lease ending in %i ms for %i s (the rest + 5 s, 5 s … 12 h)", (left, delay) => {
    expect(busyDelaySec(1_000_000 + left, 1_000_000)).toBe(delay);
  });
});
