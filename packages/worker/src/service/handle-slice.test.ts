import { describe, expect, it } from "vitest";
import { handBackLimit, handsBack } from "./handle-slice.js";
import { maxReceiveCountOf } from "./queue-check.js";

describe("handing a slice back", () => {
  it("happens only when no connection is free here", () => {
    expect(handsBack(0, 1, 24)).toBe(true);
    expect(handsBack(1, 1, 24)).toBe(false);
    // A worker without a connection pool (tests, wrappers) never hands back.
    expect(handsBack(undefined, 1, 24)).toBe(false);
  });

  it("leaves half the queue's receives, less one, for real failures", () => {
    expect(handBackLimit(24)).toBe(11);
    expect(handsBack(0, 11, 24)).toBe(true);
    expect(handsBack(0, 12, 24)).toBe(false);
    // A queue that moves a message to its DLQ after 2 receives: never handed back.
    expect(handBackLimit(2)).toBe(0);
    expect(handsBack(0, 1, 2)).toBe(false);
    expect(handBackLimit(undefined)).toBe(10);
  });
});

describe("maxReceiveCountOf", () => {
  it("reads the redrive policy's maxReceiveCount, as a number or a string", () => {
    expect(maxReceiveCountOf('{"deadLetterTargetArn":"arn:x","maxReceiveCount":24}')).toBe(24);
    expect(maxReceiveCountOf('{"deadLetterTargetArn":"arn:x","maxReceiveCount":"5"}')).toBe(5);
  });

  it("answers undefined for no policy or one it cannot read", () => {
    expect(maxReceiveCountOf(undefined)).toBeUndefined();
    expect(maxReceiveCountOf("not json")).toBeUndefined();
    expect(maxReceiveCountOf('{"maxReceiveCount":0}')).toBeUndefined();
  });
});
