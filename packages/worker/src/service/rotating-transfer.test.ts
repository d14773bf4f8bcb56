import { createLogger } from "@s3-migration/common";
import { describe, expect, it } from "vitest";
import { MemoryBudget } from "../engine/memory/memory-budget.js";
import type { TransferDeps } from "../engine/transfer/copy-types.js";
import { FakeS3 } from "../testing/fake-s3.js";
import { testOptions } from "../testing/transfer-fixtures.js";
import { RotatingTransfer } from "./rotating-transfer.js";

function deps(): TransferDeps {
  return {
    source: new FakeS3(),
    destination: new FakeS3(),
    budget: new MemoryBudget(1024),
    options: testOptions(),
    logger: createLogger({ service: "test", level: "error" }),
  };
}

describe("RotatingTransfer", () => {
  it("gives new jobs the replacement and destroys the old deps when the last job releases them", () => {
    // Prepare
    const destroyed: string[] = [];
    const first = deps();
    const second = deps();
    const transfer = new RotatingTransfer(first, () => destroyed.push("first"));
    const running = transfer.acquire();
    // Act
    transfer.replace(second, () => destroyed.push("second"));
    // Assess: the running job keeps a live client until it is done.
    expect(running.deps).toBe(first);
    expect(destroyed).toEqual([]);
    expect(transfer.acquire().deps).toBe(second);
    running.release();
    expect(destroyed).toEqual(["first"]);
    running.release();
    expect(destroyed).toEqual(["first"]);
  });

  it("destroys replaced deps at once when no job holds them", () => {
    const destroyed: string[] = [];
    const transfer = new RotatingTransfer(deps(), () => destroyed.push("first"));
    transfer.replace(deps(), () => destroyed.push("second"));
    transfer.replace(deps(), () => destroyed.push("third"));
    expect(destroyed).toEqual(["first", "second"]);
  });

  it("destroys the current deps on close, after the jobs holding them release them", () => {
    // Prepare
    const destroyed: string[] = [];
    const transfer = new RotatingTransfer(deps(), () => destroyed.push("current"));
    const lease = transfer.acquire();
    // Act
    transfer.close();
    // Assess
    expect(destroyed).toEqual([]);
    lease.release();
    expect(destroyed).toEqual(["current"]);
    expect(() => transfer.acquire()).toThrow(/closed/);
  });
});
