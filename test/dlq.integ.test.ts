import { type CopyJob, destroyClients, formatJobMessage } from "@s3-migration/common";
import { afterAll, describe, expect, it } from "vitest";
import { bytes, put } from "./support/engine.js";
import { accessKeyEndpointEnv, refusingEndpoint } from "./support/http-proxy.js";
import { type WorkerFixture, workerFixture } from "./support/worker-fixture.js";

const fixtures: WorkerFixture[] = [];
afterAll(async () => {
  for (const f of fixtures) {
    await f.cleanup();
    destroyClients(f.clients);
  }
});

describe("a retryable failure through the queue emulator", () => {
  it("is retried after a backoff, then moved to the DLQ after maxReceiveCount receives, with its body", async () => {
    // Prepare: the queue gives up after 2 receives; the worker's destination refuses every
    // connection (retryable), and MaxRetry 0 fails each receive's copy at its first request. The
    // worker's backoff is 10 s after the first receive and 20 s after the second: the message
    // reaches the DLQ on the third receive, about 30 s in.
    const f = await workerFixture(
      "dlq-retry",
      { visibilityTimeoutSec: 30, maxReceiveCount: 2 },
      { MaxRetry: "0" },
    );
    fixtures.push(f);
    const body = bytes(1000);
    await put(f.clients.sourceS3, f.srcBucket, "refused.bin", body);
    const job: CopyJob = {
      srcBucket: f.srcBucket,
      srcKey: "refused.bin",
      dstBucket: f.dstBucket,
      dstKey: "refused.bin",
      size: body.length,
    };
    await f.sendJobs([job]);
    const refused = accessKeyEndpointEnv(await refusingEndpoint(), f.name);
    // Act
    const worker = f.spawnWorker(["--until-idle", "--idle-seconds", "2"], refused);
    expect(await worker.exited).toBe(0);
    // Assess
    expect(await f.dlqBodies()).toEqual([formatJobMessage(job)]);
    expect(await f.queueCounts()).toEqual({ visible: 0, inFlight: 0 });
    const retried = worker.lines.filter((l) => l.message === "object copy failed, will be retried");
    expect(retried).toHaveLength(2);
    for (const line of retried) {
      expect(line.error).toMatchObject({
        name: "RetryableError",
        cause: { message: expect.stringContaining("ECONNREFUSED") },
      });
    }
    const [item, ...others] = await f.statusItems();
    expect(others).toEqual([]);
    expect(item).toMatchObject({
      srcKey: { S: "refused.bin" },
      status: { S: "failed" },
      errorClass: { S: "retryable" },
      attempts: { N: "2" },
    });
    expect(item?.lastError?.S).toContain(`s3://${f.dstBucket}/refused.bin`);
    expect(item?.lastError?.S).toContain("ECONNREFUSED");
  }, 60_000);
});
