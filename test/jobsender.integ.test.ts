import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { destroyClients, parseJobMessage } from "@s3-migration/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provisionListingSet } from "./support/listing-set.js";
import { drainQueue } from "./support/queue-drain.js";
import { type WorkerFixture, workerFixture } from "./support/worker-fixture.js";

describe("jobsender on the local stack", () => {
  let f: WorkerFixture;
  let env: Record<string, string>;
  const expected = new Set<string>();

  beforeAll(async () => {
    // Prepare: 2,000 source objects under data/; the destination (under copy/) has 1,800 of
    // them (100 with another size), 100 are missing, 20 extra destination-only objects. The
    // ignore list drops every missing object whose key starts with a/.
    f = await workerFixture("jobsender", { visibilityTimeoutSec: 30, maxReceiveCount: 5 });
    const set = await provisionListingSet(f);
    for (const key of set.missing) if (!key.startsWith("data/a/")) expected.add(key);
    for (const key of set.resized) expected.add(key);
    const dir = tmpdir();
    const map = join(dir, `${f.name}-map.json`);
    writeFileSync(
      map,
      JSON.stringify([
        {
          src_bucket: f.srcBucket,
          src_prefix: "data",
          des_bucket: f.dstBucket,
          des_prefix: "copy/",
        },
      ]),
    );
    const ignore = join(dir, `${f.name}-ignore.txt`);
    writeFileSync(ignore, `# missing objects under a/ are never sent\n${f.srcBucket}/data/a/*\n`);
    env = { S3MIG_ssm_parameter_bucket: `file:${map}`, S3MIG_IgnoreListFile: ignore };
  }, 180_000);
  afterAll(async () => {
    await f.cleanup();
    destroyClients(f.clients);
  });

  /** The source keys of every job in the queue, which is left empty. */
  async function takeKeys(): Promise<string[]> {
    const bodies = await drainQueue(f.clients.sqs, f.queueUrl);
    return bodies.flatMap((body) => {
      const parsed = parseJobMessage(body, { desBucketDefault: "", desPrefixDefault: "" });
      return parsed.kind === "jobs" ? parsed.jobs.map((j) => j.srcKey) : [];
    });
  }

  it("prints exactly the expected jobs with --dry-run and sends nothing", async () => {
    const run = f.spawnJobsender(["--dry-run"], env);
    expect(await run.exited).toBe(0);
    const printed = run.text.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(new Set(printed.map((j) => j.Src_key))).toEqual(expected);
    expect(printed[0]).toMatchObject({ Src_bucket: f.srcBucket, Des_bucket: f.dstBucket });
    for (const j of printed) expect(j.Des_key).toBe(`copy/${j.Src_key.slice("data/".length)}`);
    expect(await f.queueCounts()).toEqual({ visible: 0, inFlight: 0 });
  });

  it("sends exactly the expected jobs, refuses a second run while the queue is busy, and sends again with --force", async () => {
    // Act 1
    const first = f.spawnJobsender([], env);
    expect(await first.exited).toBe(0);
    expect(first.text.stderr).toContain(`sent ${expected.size} jobs`);
    // Act 2: the queue still holds the first run's messages.
    const second = f.spawnJobsender([], env);
    expect(await second.exited).toBe(3);
    expect(second.text.stderr).toContain("nothing sent");
    expect((await f.queueCounts()).visible).toBe(expected.size);
    // Act 3
    const forced = f.spawnJobsender(["--force"], env);
    expect(await forced.exited).toBe(0);
    // Assess: each run sent every expected job once.
    const keys = await takeKeys();
    expect(keys).toHaveLength(expected.size * 2);
    expect(new Set(keys)).toEqual(expected);
  });

  it("stops on a malformed bucket map with a clear error and sends nothing", async () => {
    const bad = join(tmpdir(), `${f.name}-bad.json`);
    writeFileSync(bad, JSON.stringify([{ src_bucket: f.srcBucket, des_bucket: "Not_A_Bucket" }]));
    const run = f.spawnJobsender([], { ...env, S3MIG_ssm_parameter_bucket: `file:${bad}` });
    expect(await run.exited).toBe(2);
    expect(run.text.stderr).toContain(
      'bucket map[0].des_bucket: got "Not_A_Bucket"; expected an S3 bucket name',
    );
    expect(await f.queueCounts()).toEqual({ visible: 0, inFlight: 0 });
  });
});
