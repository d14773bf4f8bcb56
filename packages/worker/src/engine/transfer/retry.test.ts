import { RetryableError } from "@s3-migration/common";
import { describe, expect, it } from "vitest";
import { SourceChangedError, withRetries } from "./retry.js";

/** An error as the SDK throws it after `attempts` attempts of one call. */
function sdkError(name: string, status: number, attempts: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status, attempts } });
}

async function callsUntilDone(err: Error, maxRetry = 3): Promise<number> {
  let calls = 0;
  await withRetries(
    async () => {
      calls++;
      throw err;
    },
    { maxRetry, baseDelayMs: 1 },
  ).catch(() => undefined);
  return calls;
}

describe("withRetries", () => {
  it("does not retry again what the SDK already retried to its limit", async () => {
    // MaxRetry 3: the SDK makes 4 attempts; a 503 that outlasted them ends the copy at once.
    expect(await callsUntilDone(sdkError("ServiceUnavailable", 503, 4))).toBe(1);
  });

  it("retries what the SDK could not: a BadDigest, answered after one attempt", async () => {
    expect(await callsUntilDone(sdkError("BadDigest", 400, 1))).toBe(4);
  });

  it("retries a throttled call the SDK gave up on early (its retry quota ran out)", async () => {
    expect(await callsUntilDone(sdkError("SlowDown", 503, 2))).toBe(4);
  });

  it("retries our own retryable errors (a short body, an ETag mismatch) up to MaxRetry", async () => {
    expect(await callsUntilDone(new RetryableError("the source returned 3 bytes"))).toBe(4);
  });

  it("never retries an object error or a source change", async () => {
    expect(await callsUntilDone(sdkError("NoSuchKey", 404, 1))).toBe(1);
    expect(await callsUntilDone(new SourceChangedError("changed"))).toBe(1);
  });

  it("never retries a part whose upload is gone (completed, or aborted by a restart)", async () => {
    expect(await callsUntilDone(sdkError("NoSuchUpload", 404, 1))).toBe(1);
  });

  it("returns the first success", async () => {
    let calls = 0;
    const out = await withRetries(
      async () => {
        if (++calls < 3) throw new RetryableError("not yet");
        return "done";
      },
      { maxRetry: 5, baseDelayMs: 1 },
    );
    expect({ out, calls }).toEqual({ out: "done", calls: 3 });
  });
});
