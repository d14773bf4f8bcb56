import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CopyJob, destroyClients, parseJobMessage } from "@s3-migration/common";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  handler,
  JobsenderRunError,
  JobsenderStalledError,
} from "../packages/jobsender/src/lambda/handler.js";
import { get, put } from "./support/engine.js";
import { accessKeyCredentials, type HttpProxy, startProxy } from "./support/http-proxy.js";
import { LISTING_COUNT, provisionListingSet } from "./support/listing-set.js";
import { LOCAL_INI } from "./support/local-stack.js";
import { drainQueue } from "./support/queue-drain.js";
import { overridesEnv, type WorkerFixture, workerFixture } from "./support/worker-fixture.js";

/**
 * The scheduled Lambda jobsender (issue 17), its handler run in this process as Lambda would
 * run it, over the listing set of `jobsender.integ.test.ts`: 2,000 source objects under data/
 * (nested prefixes, unicode, spaces); the destination (under copy/, the other side, reached
 * through a proxy) lacks 100 of them and has 100 with another size: 200 jobs. The 100 resized
 * objects all sit under data/b/, the 100 missing ones under data/c😀/, listed after b/ and c～/.
 */
const scheduledEvent = { "detail-type": "Scheduled Event", source: "aws.events", detail: {} };
/** The handler's margin (30 s) plus `ms`: the time the run is given. */
const leaving = (ms: number) => ({ getRemainingTimeInMillis: () => 30_000 + ms });

/** The listing set; answers the source keys the jobsender must send. */
async function provision(f: WorkerFixture): Promise<Set<string>> {
  const set = await provisionListingSet(f);
  return new Set([...set.missing, ...set.resized]);
}

describe("the Lambda jobsender on the local stack", () => {
  let f: WorkerFixture;
  let proxy: HttpProxy;
  let expected: Set<string>;
  let mapFile: string;
  /** While set, the proxy holds the destination's listing of this prefix until the client gives up. */
  let holdPrefix: string | undefined;
  let held = 0;

  beforeAll(async () => {
    f = await workerFixture("jslambda", { visibilityTimeoutSec: 30, maxReceiveCount: 5 });
    expected = await provision(f);
    proxy = await startProxy(accessKeyCredentials().endpoint ?? "", {
      before: (req) => {
        const prefix = new URL(req.url, "http://x").searchParams.get("prefix");
        if (holdPrefix === undefined || req.method !== "GET" || prefix !== holdPrefix) return;
        held++;
        return new Promise<void>(() => {}); // answered never: only the deadline ends it
      },
    });
    mapFile = join(tmpdir(), `${f.name}-map.json`);
    const mapping = { src_bucket: f.srcBucket, src_prefix: "data", des_bucket: f.dstBucket };
    writeFileSync(mapFile, JSON.stringify([{ ...mapping, des_prefix: "copy/" }]));
    const env = {
      S3MIG_CONFIG_FILE: LOCAL_INI,
      ...overridesEnv({
        table_queue_name: f.name,
        Des_bucket_default: f.dstBucket,
        ssm_parameter_bucket: `file:${mapFile}`,
        // The other side's key from an environment variable, as a Lambda function can have it.
        ssm_parameter_credentials: "env:JOBSENDER_LAMBDA_TEST_CREDENTIALS",
        LoggingLevel: "ERROR",
      }),
      JOBSENDER_LAMBDA_TEST_CREDENTIALS: JSON.stringify({
        ...accessKeyCredentials(),
        endpoint: proxy.url,
      }),
    };
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  }, 180_000);
  afterAll(async () => {
    vi.unstubAllEnvs();
    await proxy.close();
    await f.cleanup();
    destroyClients(f.clients);
  });

  /**
   * Receives every message in the queue, checks each is one whole job of this set, lets `copy`
   * act on it (as a worker would) and deletes it; answers the source keys.
   */
  async function takeJobs(copy: (job: CopyJob) => Promise<void> = async () => {}) {
    const keys: string[] = [];
    await drainQueue(f.clients.sqs, f.queueUrl, async (m) => {
      const parsed = parseJobMessage(m.Body ?? "", { desBucketDefault: "", desPrefixDefault: "" });
      expect(parsed.kind).toBe("jobs");
      const jobs = parsed.kind === "jobs" ? parsed.jobs : [];
      expect(jobs).toHaveLength(1);
      for (const job of jobs) {
        expect(job).toMatchObject({ srcBucket: f.srcBucket, dstBucket: f.dstBucket });
        expect(job.dstKey).toBe(`copy/${job.srcKey.slice("data/".length)}`);
        await copy(job);
        keys.push(job.srcKey);
      }
    });
    return keys;
  }

  /** What a worker does with a job, as far as the next diff can tell. */
  const copyObject = async (job: CopyJob) => {
    const body = await get(f.clients.sourceS3, job.srcBucket, job.srcKey);
    await put(f.clients.destinationS3, job.dstBucket, job.dstKey, body);
  };

  it("sends every job of the 2,000-object listing set in one invocation", async () => {
    // Act
    const summary = await handler(scheduledEvent, leaving(14 * 60_000));

    // Assess
    expect(summary).toMatchObject({
      exitCode: 0,
      stoppedAtDeadline: false,
      jobsSent: expected.size,
      sourceObjects: LISTING_COUNT,
      mappingsDone: 1,
      mappingsTotal: 1,
    });
    expect(await f.queueCounts()).toEqual({ visible: expected.size, inFlight: 0 });
    const keys = await takeJobs();
    expect(keys).toHaveLength(expected.size);
    expect(new Set(keys)).toEqual(expected);
  });

  it("stops cleanly when the deadline falls mid-listing, and the next scheduled runs continue from there", async () => {
    // Act 1: the listing of copy/c😀/ hangs; the run has 5 s, far more than a/, b/ and c～/ need.
    const heldBefore = held;
    holdPrefix = "copy/c😀/";
    const cut = await handler(scheduledEvent, leaving(5_000)).finally(() => {
      holdPrefix = undefined;
    });
    // Assess 1: stopped inside the listing, after planning (and sending) every job before c😀/.
    expect(held).toBe(heldBefore + 1);
    const beforeCut = [...expected].filter((k) => k.startsWith("data/b/"));
    expect(cut).toMatchObject({
      exitCode: 0,
      stoppedAtDeadline: true,
      jobsSent: beforeCut.length,
      mappingsDone: 0,
      mappingsTotal: 1,
    });
    expect(cut.sourceObjects).toBeGreaterThan(0);
    expect(cut.sourceObjects).toBeLessThan(LISTING_COUNT);
    expect(await f.queueCounts()).toEqual({ visible: beforeCut.length, inFlight: 0 });

    // Act 2: the next scheduled run, while the workers still have the cut run's jobs.
    const busy = await handler(scheduledEvent, leaving(14 * 60_000));
    // Assess 2: skipped, an answer and not a failure.
    expect(busy).toMatchObject({ exitCode: 3, jobsSent: 0, stoppedAtDeadline: false });

    // Act 3: the workers copy them; every message is one whole job.
    const copied = await takeJobs(copyObject);
    expect(new Set(copied)).toEqual(new Set(beforeCut));
    expect(copied).toHaveLength(beforeCut.length);

    // Act 4: the next scheduled run lists again from the start.
    const next = await handler(scheduledEvent, leaving(14 * 60_000));
    // Assess 4: its diff skips what was copied and goes past the cut, to the end.
    const rest = [...expected].filter((k) => !k.startsWith("data/b/"));
    expect(next).toMatchObject({ exitCode: 0, stoppedAtDeadline: false, jobsSent: rest.length });
    expect(new Set(await takeJobs())).toEqual(new Set(rest));
  });

  it("fails the invocation as stalled when the deadline stops a run before it sent anything", async () => {
    // Act: the listing of copy/b/, where the first jobs are, hangs until the deadline.
    const heldBefore = held;
    holdPrefix = "copy/b/";
    const failure = await handler(scheduledEvent, leaving(3_000))
      .catch((err: unknown) => err)
      .finally(() => {
        holdPrefix = undefined;
      });

    // Assess: Lambda records a failure (its alarm fires), with the summary of a clean stop.
    expect(held).toBe(heldBefore + 1);
    expect(failure).toBeInstanceOf(JobsenderStalledError);
    expect((failure as JobsenderStalledError).summary).toMatchObject({
      exitCode: 0,
      stoppedAtDeadline: true,
      jobsSent: 0,
    });
    expect(await f.queueCounts()).toEqual({ visible: 0, inFlight: 0 });
  });

  it("fails the invocation on a malformed bucket map, sending nothing", async () => {
    // Prepare
    const bad = join(tmpdir(), `${f.name}-bad.json`);
    writeFileSync(bad, JSON.stringify([{ src_bucket: f.srcBucket, des_bucket: "Not_A_Bucket" }]));
    vi.stubEnv("S3MIG_ssm_parameter_bucket", `file:${bad}`);

    // Act
    const failure = await handler(scheduledEvent, leaving(60_000))
      .catch((err: unknown) => err)
      .finally(() => vi.stubEnv("S3MIG_ssm_parameter_bucket", `file:${mapFile}`));

    // Assess
    expect(failure).toBeInstanceOf(JobsenderRunError);
    expect((failure as JobsenderRunError).summary).toMatchObject({ exitCode: 2, jobsSent: 0 });
    expect((failure as JobsenderRunError).message).toContain("bucket map[0].des_bucket");
    expect(await f.queueCounts()).toEqual({ visible: 0, inFlight: 0 });
  });
});
