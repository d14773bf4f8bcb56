import {
  DeleteTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-dynamodb";
import { type CopyJob, destroyClients } from "@s3-migration/common";
import { afterAll, describe, expect, it, vi } from "vitest";
import { type WorkerFixture, workerFixture } from "./support/worker-fixture.js";

const fixtures: WorkerFixture[] = [];
afterAll(async () => {
  for (const f of fixtures) {
    await f.cleanup();
    destroyClients(f.clients);
  }
});

async function fixture(prefix: string, overrides: Record<string, string> = {}) {
  const f = await workerFixture(
    prefix,
    { visibilityTimeoutSec: 30, maxReceiveCount: 10 },
    overrides,
  );
  fixtures.push(f);
  return f;
}

describe("worker process exit codes", () => {
  it("exits 2 on a bad configuration, naming every bad key and value on stderr", async () => {
    // Prepare
    const f = await fixture("exit-config");
    // Act
    const worker = f.spawnWorker([], { S3MIG_MaxThread: "lots", S3MIG_MaxParallelFile: "0" });
    // Assess
    expect(await worker.exited).toBe(2);
    expect(worker.text.stderr).toMatch(/MaxThread: got "lots"/);
    expect(worker.text.stderr).toMatch(/MaxParallelFile: got "0"/);
    expect(worker.lines.some((l) => l.message === "worker started")).toBe(false);
  });

  it("exits 1 after 5 fatal errors in a row (its status table deleted while it runs), releasing every message", async () => {
    // Prepare: a worker that started with its table, 5 slots so the failures come at once.
    const f = await fixture("exit-fatal", { MaxParallelFile: "5" });
    const worker = f.spawnWorker();
    await worker.waitFor((l) => l.message === "worker started");
    await f.clients.dynamodb.send(new DeleteTableCommand({ TableName: f.name }));
    await vi.waitFor(
      async () => {
        const gone = await f.clients.dynamodb
          .send(new DescribeTableCommand({ TableName: f.name }))
          .catch((err: unknown) => err);
        expect(gone).toBeInstanceOf(ResourceNotFoundException);
      },
      { timeout: 10_000, interval: 100 },
    );
    const jobs: CopyJob[] = Array.from({ length: 5 }, (_, i) => ({
      srcBucket: f.srcBucket,
      srcKey: `fatal/${i}.bin`,
      dstBucket: f.dstBucket,
      dstKey: `fatal/${i}.bin`,
      size: 100,
    }));
    // Act
    await f.sendJobs(jobs);
    // Assess
    expect(await worker.exited).toBe(1);
    const fatal = worker.lines.filter((l) => l.message === "job failed: fatal error, backing off");
    expect(fatal.slice(0, 5).map((l) => l.fatalErrorsInARow)).toEqual([1, 2, 3, 4, 5]);
    for (const line of fatal) {
      expect(line.error).toMatchObject({ name: "ResourceNotFoundException" });
    }
    const stopping = worker.lines.find((l) => l.message === "worker stopping");
    expect(stopping?.reason).toMatch(/^\d+ fatal errors in a row$/);
    expect(Number.parseInt(String(stopping?.reason), 10)).toBeGreaterThanOrEqual(5);
    expect(worker.lines.find((l) => l.message === "worker stopped")?.end).toBe("fatal");
    expect(await f.queueCounts()).toEqual({ visible: 5, inFlight: 0 });
  });
});
