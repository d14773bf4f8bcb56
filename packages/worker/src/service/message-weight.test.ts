import { describe, expect, it } from "vitest";
import { MessageWeight } from "./message-weight.js";

describe("MessageWeight", () => {
  it("takes one message per free connection while messages claim one each", () => {
    const weight = new MessageWeight();
    for (let i = 0; i < 5; i++) weight.record(1);
    expect(weight.messagesFor(8)).toBe(8);
  });

  it("takes fewer messages once they claim several connections each (slices)", () => {
    const weight = new MessageWeight();
    for (let i = 0; i < 20; i++) weight.record(4);
    expect(weight.average).toBeCloseTo(4, 1);
    expect(weight.messagesFor(8)).toBe(2);
    // Never none: a worker with a free connection always takes a message.
    expect(weight.messagesFor(1)).toBe(1);
  });
});
