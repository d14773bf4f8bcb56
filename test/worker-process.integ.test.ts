import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { destroyClients } from "@s3-migration/common";
import { afterAll, describe, expect, it } from "vitest";
import { bytes, get, put } from "./support/engine.js";
import { fakeImds } from "./support/fake-imds.js";
import { ROOT } from "./support/local-stack.js";
import { type WorkerFixture, workerFixture } from "./support/worker-fixture.js";

const fixtures: WorkerFixture[] = [];
afterAll(async () => {
  for (const f of fixtures) {
    await f.cleanup();
    destroyClients(f.clients);
  }
});

describe("worker process on the local stack", () => {
  it("exits 1 with a clear message when its queue does not exist, after backing off", async () => {
    const f = await workerFixture("proc-noq", { visibilityTimeoutSec: 30, maxReceiveCount: 5 });
    fixtures.push(f);
    const worker = f.spawnWorker([], { S3MIG_table_queue_name: "no_such_queue_here" });
    const t0 = Date.now();
    expect(await worker.exited).toBe(1);
    expect(Date.now() - t0).toBeGreaterThan(5_000); // 2 s + 4 s of back-off: never a hot loop
    const errors = worker.lines.filter((l) => l.message === "queue or status table not reachable");
    expect(errors).toHaveLength(3);
  });

  it("re-reads rotated credentials when the access key is rejected, without a restart", async () => {
    // Prepare: the worker starts with a wrong China secret; the file is fixed before the job arrives.
    const f = await workerFixture("proc-rotate", { visibilityTimeoutSec: 30, maxReceiveCount: 5 });
    fixtures.push(f);
    const good = JSON.parse(readFileSync(join(ROOT, ".local", "credentials.json"), "utf8"));
    const file = join(tmpdir(), `rotate-${f.name}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        ...good,
        aws_secret_access_key: "wrongSecretKey0000000000000000000000000000",
      }),
    );
    const worker = f.spawnWorker(["--until-idle", "--idle-seconds", "2"], {
      S3MIG_ssm_parameter_credentials: `file:${file}`,
    });
    await worker.waitFor((l) => l.message === "worker started");
    writeFileSync(file, JSON.stringify(good));
    const body = bytes(2000);
    await put(f.clients.sourceS3, f.srcBucket, "rotated.bin", body);
    // Act
    await f.sendJobs([
      {
        srcBucket: f.srcBucket,
        srcKey: "rotated.bin",
        dstBucket: f.dstBucket,
        dstKey: "rotated.bin",
        size: 2000,
      },
    ]);
    // Assess
    expect(await worker.exited).toBe(0);
    expect(
      worker.lines.some(
        (l) => l.message === "access key rejected; credentials re-read and copy retried",
      ),
    ).toBe(true);
    expect((await get(f.clients.destinationS3, f.dstBucket, "rotated.bin")).equals(body)).toBe(
      true,
    );
  });

  it("takes its id from instance metadata and stops on a Spot interruption notice (IMDSv2)", async () => {
    // Prepare
    const imds = await fakeImds();
    const f = await workerFixture(
      "proc-spot",
      { visibilityTimeoutSec: 30, maxReceiveCount: 5 },
      { InstanceMetadataEndpoint: imds.url },
    );
    fixtures.push(f);
    const worker = f.spawnWorker();
    const started = await worker.waitFor((l) => l.message === "worker started");
    // Act
    imds.interrupt();
    // Assess: exit 4 tells systemd not to restart it on an instance about to go.
    expect(await worker.exited).toBe(4);
    imds.close();
    expect(started.workerId).toBe("i-0123456789abcdef0");
    expect(worker.lines.some((l) => l.message === "spot interruption notice")).toBe(true);
  });
});
