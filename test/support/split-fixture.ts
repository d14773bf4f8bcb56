import { createHash } from "node:crypto";
import {
  CompleteMultipartUploadCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
} from "@aws-sdk/client-s3";
import { type CopyJob, destroyClients, formatSliceMessage } from "@s3-migration/common";
import { expect, onTestFailed } from "vitest";
import { bytes, get, MIB, put } from "./engine.js";
import {
  accessKeyCredentials,
  accessKeyEndpointEnv,
  type HttpProxy,
  type ProxyHooks,
  startProxy,
} from "./http-proxy.js";
import { readStackEnv } from "./local-stack.js";
import { type WorkerFixture, type WorkerProcess, workerFixture } from "./worker-fixture.js";

/** The part size of every split test (ChunkSize 5, the smallest S3 allows). */
export const PART = 5 * MIB;
/** Batch mode: a worker exits once the queue (visible and in flight) stayed empty 2 s. */
export const UNTIL_IDLE = ["--until-idle", "--idle-seconds", "2"];
export const KEY = "split/giant.bin";

type LogLine = Record<string, unknown>;
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const unquote = (etag: string | undefined) => (etag ?? "").replace(/"/g, "");

/** The `partNumber` of an UploadPart's URL. */
export function partNumberOf(url: string): number {
  return Number(new URL(url, "http://x").searchParams.get("partNumber"));
}

/** The lines a worker logged with `message`. */
export function logged(w: WorkerProcess, message: string): LogLine[] {
  return w.lines.filter((l) => l.message === message);
}

/**
 * What S3 answered through a proxy (its `after` hook): the part numbers of the UploadParts it
 * accepted, and every write (PUT, POST, DELETE) as `<method> <operation>`.
 */
export function partCounter() {
  const parts: number[] = [];
  const writes: string[] = [];
  return {
    parts,
    writes,
    after: ((req, status) => {
      if (req.operation === "UploadPart" && status === 200) parts.push(partNumberOf(req.url));
      if (req.method !== "GET" && req.method !== "HEAD")
        writes.push(`${req.method} ${req.operation}`);
    }) satisfies ProxyHooks["after"],
    count: (pn: number) => parts.filter((p) => p === pn).length,
  };
}

/**
 * Fixtures (SplitThreshold 10 MB, ChunkSize 5, SplitSliceSize `sliceMb`), proxies and worker
 * processes of one test file; `cleanup` in afterAll. A failed test prints its workers' lines.
 */
export function splitSuite() {
  const fixtures: WorkerFixture[] = [];
  const proxies: HttpProxy[] = [];
  const proxy = async (target: string, hooks: ProxyHooks) => {
    const p = await startProxy(target, hooks);
    proxies.push(p);
    return p;
  };
  return {
    async fixture(
      prefix: string,
      queue: { vt: number; sliceMb?: number },
      overrides: Record<string, string> = {},
    ): Promise<WorkerFixture> {
      const f = await workerFixture(
        prefix,
        { visibilityTimeoutSec: queue.vt, maxReceiveCount: 10 },
        {
          ChunkSize: "5",
          SplitThreshold: "10",
          SplitSliceSize: String(queue.sliceMb ?? 5),
          LoggingLevel: "DEBUG",
          ...overrides,
        },
      );
      fixtures.push(f);
      return f;
    },
    /** Starts a worker; if the test fails, its lines (but "part copied") go to stderr. */
    worker(f: WorkerFixture, name: string, args: string[] = [], env: Record<string, string> = {}) {
      const w = f.spawnWorker(args, env);
      onTestFailed(() => {
        const shown = w.lines.filter((l) => l.message !== "part copied");
        process.stderr.write(
          `--- worker ${name}:\n${shown.map((l) => JSON.stringify(l)).join("\n")}\n`,
        );
        if (w.text.stderr !== "") process.stderr.write(`--- ${name} stderr:\n${w.text.stderr}\n`);
      });
      return w;
    },
    /** Env that sends a worker's destination requests through a proxy with `hooks`. */
    async destinationEnv(f: WorkerFixture, tag: string, hooks: ProxyHooks) {
      const p = await proxy(accessKeyCredentials().endpoint ?? "", hooks);
      return accessKeyEndpointEnv(p.url, `${f.name}-${tag}`);
    },
    /** Env that sends a worker's source requests through a proxy with `hooks`. */
    async sourceEnv(hooks: ProxyHooks): Promise<Record<string, string>> {
      const p = await proxy(readStackEnv().AWS_ENDPOINT_URL_S3 ?? "", hooks);
      return { AWS_ENDPOINT_URL_S3: p.url };
    },
    async cleanup() {
      for (const f of fixtures) {
        await f.cleanup();
        destroyClients(f.clients);
      }
      for (const p of proxies) await p.close();
    },
  };
}

/** Writes `size` random bytes as the source of {@link KEY}; returns its job and its bytes. */
export async function seed(
  f: WorkerFixture,
  size: number,
): Promise<{ job: CopyJob; body: Buffer }> {
  const body = bytes(size);
  await put(f.clients.sourceS3, f.srcBucket, KEY, body);
  return { job: f.job(KEY, size), body };
}

export async function sourceEtag(f: WorkerFixture): Promise<string> {
  const head = await f.clients.sourceS3.send(
    new HeadObjectCommand({ Bucket: f.srcBucket, Key: KEY }),
  );
  return unquote(head.ETag);
}

export async function unfinishedUploads(f: WorkerFixture): Promise<string[]> {
  const out = await f.clients.destinationS3.send(
    new ListMultipartUploadsCommand({ Bucket: f.dstBucket }),
  );
  return (out.Uploads ?? []).map((u) => u.UploadId ?? "");
}

/** Slice `slice` of the split the status item records, as the splitting worker sends it. */
export async function sliceMessage(f: WorkerFixture, job: CopyJob, slice: number): Promise<string> {
  const [item] = await f.statusItems();
  return formatSliceMessage({
    job,
    uploadId: item?.uploadId?.S ?? "",
    slice,
    slices: Number(item?.splitSlices?.N),
    partSize: Number(item?.uploadPartSize?.N),
    sliceParts: Number(item?.splitSliceParts?.N),
    sourceEtag: await sourceEtag(f),
    mirror: false,
  });
}

/** Completes `uploadId` from the test, with the parts S3 holds (as a worker's Complete would). */
export async function completeUpload(f: WorkerFixture, uploadId: string): Promise<void> {
  const s3 = f.clients.destinationS3;
  const listed = await s3.send(
    new ListPartsCommand({ Bucket: f.dstBucket, Key: KEY, UploadId: uploadId }),
  );
  const Parts = (listed.Parts ?? []).map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag }));
  await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: f.dstBucket,
      Key: KEY,
      UploadId: uploadId,
      MultipartUpload: { Parts },
    }),
  );
}

/**
 * The object ended as it should: the destination's bytes are `body`'s (SHA-256 of the whole),
 * the status item is `done` with `slices` slices and no split work left on it, no upload is
 * left unfinished, and the queue and the DLQ are empty. Returns the item.
 */
export async function expectCopied(f: WorkerFixture, body: Buffer, slices: number) {
  const copied = await get(f.clients.destinationS3, f.dstBucket, KEY);
  expect(copied.length).toBe(body.length);
  expect(sha256(copied)).toBe(sha256(body));
  const items = await f.statusItems();
  expect(items).toHaveLength(1);
  const [item] = items;
  expect(item?.status?.S).toBe("done");
  expect(item?.splitSlices?.N).toBe(String(slices));
  const work = ["slicesDone", "splitSliceParts", "failedSlice", "leaseOwner"];
  expect(Object.keys(item ?? {}).filter((k) => work.includes(k))).toEqual([]);
  expect(await unfinishedUploads(f)).toEqual([]);
  expect(await f.queueCounts()).toEqual({ visible: 0, inFlight: 0 });
  expect(await f.dlqBodies()).toEqual([]);
  return item;
}
