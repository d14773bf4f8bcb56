import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { Agent, createServer, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CompleteMultipartUploadCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
} from "@aws-sdk/client-s3";
import { type CopyJob, destroyClients, formatSliceMessage } from "@s3-migration/common";
import { expect, onTestFailed, type TestContext } from "vitest";
import { bytes, get, MIB, put } from "./engine.js";
import {
  accessKeyCredentials,
  accessKeyEndpointEnv,
  type HttpProxy,
  type ProxiedRequest,
  type ProxyHooks,
  s3Operation,
  startProxy,
} from "./http-proxy.js";
import { readStackEnv } from "./local-stack.js";
import {
  overridesEnv,
  type WorkerFixture,
  type WorkerProcess,
  workerFixture,
} from "./worker-fixture.js";

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
      queue: { vt: number; sliceMb?: number; maxReceiveCount?: number },
      overrides: Record<string, string> = {},
    ): Promise<WorkerFixture> {
      const f = await workerFixture(
        prefix,
        { visibilityTimeoutSec: queue.vt, maxReceiveCount: queue.maxReceiveCount ?? 10 },
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
    /**
     * Starts a worker; if the test fails, its lines (but "part copied") go to stderr. A
     * concurrent test passes its context's `onTestFailed`: the global one knows only the test
     * that runs alone (with several at once it would report to another test, or throw).
     */
    worker(
      f: WorkerFixture,
      name: string,
      args: string[] = [],
      env: Record<string, string> = {},
      onFailed: TestContext["onTestFailed"] = onTestFailed,
    ) {
      const w = f.spawnWorker(args, env);
      onFailed(() => {
        const shown = w.lines.filter((l) => l.message !== "part copied");
        process.stderr.write(
          `--- worker ${name} (${f.name}):\n${shown.map((l) => JSON.stringify(l)).join("\n")}\n`,
        );
        if (w.text.stderr !== "")
          process.stderr.write(`--- ${name} (${f.name}) stderr:\n${w.text.stderr}\n`);
      });
      return w;
    },
    /** Env that sends a worker's destination requests through a proxy with `hooks`. */
    async destinationEnv(f: WorkerFixture, tag: string, hooks: ProxyHooks) {
      const p = await proxy(accessKeyCredentials().endpoint ?? "", hooks);
      return accessKeyEndpointEnv(p.url, `${f.name}-${tag}`);
    },
    /**
     * Env that sends a worker's destination requests through a proxy that answers the requests
     * `fault` picks with that S3 error itself (they never reach S3) and forwards the others
     * through a proxy with `hooks`; `faults` lists the requests it answered.
     */
    async faultyDestinationEnv(
      f: WorkerFixture,
      tag: string,
      fault: (req: ProxiedRequest) => S3Fault | undefined,
      hooks: ProxyHooks = {},
    ): Promise<{ env: Record<string, string>; faults: ProxiedRequest[] }> {
      const inner = await proxy(accessKeyCredentials().endpoint ?? "", hooks);
      const front = await startFaultProxy(inner.url, fault);
      proxies.push(front);
      return { env: accessKeyEndpointEnv(front.url, `${f.name}-${tag}`), faults: front.faults };
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

/** An S3 error a {@link startFaultProxy} proxy answers instead of S3. */
export interface S3Fault {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

export const INTERNAL_ERROR: S3Fault = {
  status: 500,
  code: "InternalError",
  message: "We encountered an internal error. Please try again.",
};
export const SLOW_DOWN: S3Fault = {
  status: 503,
  code: "SlowDown",
  message: "Please reduce your request rate.",
};

/**
 * A proxy on loopback in front of `target` (another proxy, or S3 itself): a request that
 * `fault` picks is read to its end and answered with that S3 error (an XML error body, as S3
 * writes it); every other request is forwarded unchanged (Host included, so signatures hold).
 */
export async function startFaultProxy(
  target: string,
  fault: (req: ProxiedRequest) => S3Fault | undefined,
): Promise<HttpProxy & { readonly faults: ProxiedRequest[] }> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const seen: ProxiedRequest[] = [];
  const faults: ProxiedRequest[] = [];
  const server = createServer((req, res) => {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const amzTarget = req.headers["x-amz-target"];
    const proxied: ProxiedRequest = {
      method,
      url,
      operation: s3Operation(method, url),
      target: Array.isArray(amzTarget) ? amzTarget[0] : amzTarget,
      headers: req.headers,
    };
    seen.push(proxied);
    const answer = fault(proxied);
    if (answer !== undefined) {
      faults.push(proxied);
      const body =
        '<?xml version="1.0" encoding="UTF-8"?>\n' +
        `<Error><Code>${answer.code}</Code><Message>${answer.message}</Message>` +
        `<RequestId>fault-${faults.length}</RequestId></Error>`;
      req.on("end", () => {
        res.writeHead(answer.status, {
          "content-type": "application/xml",
          "content-length": Buffer.byteLength(body),
          "x-amz-request-id": `fault-${faults.length}`,
        });
        res.end(body);
      });
      req.resume();
      return;
    }
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method,
        path: url,
        headers: req.headers,
        agent,
      },
      (answered) => {
        res.writeHead(answered.statusCode ?? 502, answered.headers);
        answered.pipe(res);
      },
    );
    out.on("error", () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    faults,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      agent.destroy();
    },
  };
}

/**
 * Env for the jobsender and the operator commands (`runOp`) on the fixture's queue, DLQ and
 * table, with a bucket map of one entry: the fixture's source bucket to its destination bucket,
 * no prefixes.
 */
export function bucketMapEnv(f: WorkerFixture): Record<string, string> {
  const map = join(tmpdir(), `${f.name}-map.json`);
  writeFileSync(
    map,
    JSON.stringify([
      { src_bucket: f.srcBucket, src_prefix: "", des_bucket: f.dstBucket, des_prefix: "" },
    ]),
  );
  return {
    ...readStackEnv(),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...overridesEnv({ table_queue_name: f.name, ssm_parameter_bucket: `file:${map}` }),
  };
}

/** The part numbers the destination holds in `uploadId`. */
export async function uploadedParts(f: WorkerFixture, uploadId: string): Promise<number[]> {
  const listed = await f.clients.destinationS3.send(
    new ListPartsCommand({ Bucket: f.dstBucket, Key: KEY, UploadId: uploadId }),
  );
  return (listed.Parts ?? []).map((p) => p.PartNumber ?? 0).sort((a, b) => a - b);
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
