/**
 * Our copier as a standalone process: lists the source bucket (ListObjectsV2, paginated) and
 * copies every object to the destination bucket with the worker's `copyObject`,
 * `MaxParallelFile` objects at once, while the listing goes on. Prints one JSON line.
 *
 *   node --import tsx bench/copy/copy-bucket.ts --src bench-large-src --dst bench-large-dst \
 *     [--max-thread 8] [--max-parallel-file 4] [--chunk-size 5] [--resumable-threshold 5]
 *     [--memory-budget-mb 512] [--lean-requests true|false] [--stream-above-mib 1]
 *     [--hasher-threads N]
 *
 * Each flag overrides the ini key of the same name (MB values are MiB); the rest comes from
 * config/local.ini and `S3MIG_<key>` variables. `--lean-requests` and `--stream-above-mib`
 * set the engine's lean paths (`TransferDeps.lean`) / `streamAboveBytes` (no ini keys), and `--hasher-threads`
 * the part hasher's threads (default as the worker: one per spare core; 0 hashes on the event
 * loop), for A/B measurements.
 */
import { parseArgs } from "node:util";
import { createLogger, destroyClients } from "../../packages/common/src/index.js";
import { type ListedObject, listObjects } from "../../packages/jobsender/src/list-bucket.js";
import {
  ConnectionPool,
  copyObject,
  defaultHasherThreads,
  leanPaths,
  Md5Threads,
  MemoryBudget,
  transferOptionsFromConfig,
} from "../../packages/worker/src/index.js";
import { forEachLimit, localClients } from "./local-clients.js";

const started = performance.now();
const { values } = parseArgs({
  options: {
    src: { type: "string" },
    dst: { type: "string" },
    "max-thread": { type: "string" },
    "max-parallel-file": { type: "string" },
    "chunk-size": { type: "string" },
    "resumable-threshold": { type: "string" },
    "memory-budget-mb": { type: "string" },
    "lean-requests": { type: "string" },
    "stream-above-mib": { type: "string" },
    "hasher-threads": { type: "string" },
  },
});
if (!values.src || !values.dst) throw new Error("--src and --dst are required");
const srcBucket = values.src;
const dstBucket = values.dst;

const overrides: Record<string, string> = {};
for (const [flag, key] of [
  ["max-thread", "MaxThread"],
  ["max-parallel-file", "MaxParallelFile"],
  ["chunk-size", "ChunkSize"],
  ["resumable-threshold", "ResumableThreshold"],
  ["memory-budget-mb", "MemoryBudgetMB"],
] as const) {
  const value = values[flag];
  if (value !== undefined) overrides[key] = value;
}

const { config, clients } = await localClients(overrides);
const budget = new MemoryBudget(config.memoryBudgetBytes);
const deps = {
  source: clients.sourceS3,
  destination: clients.destinationS3,
  budget,
  connections: new ConnectionPool(config.maxConnections),
  lean:
    values["lean-requests"] === "false"
      ? undefined
      : leanPaths(clients.sourceS3, clients.destinationS3),
  options: {
    ...transferOptionsFromConfig(config),
    ...(values["stream-above-mib"] === undefined
      ? {}
      : { streamAboveBytes: Number(values["stream-above-mib"]) * 2 ** 20 }),
  },
  logger: createLogger({ service: "bench-copy", level: "warn" }),
  hasher:
    values["hasher-threads"] === "0"
      ? undefined
      : new Md5Threads(Number(values["hasher-threads"] ?? defaultHasherThreads())),
};

/** The listing (the jobsender's lister), one page read ahead of the copies that consume it. */
function objects(): AsyncGenerator<ListedObject> {
  return listObjects(clients.sourceS3, { bucket: srcBucket, prefix: "" });
}

const copyStarted = performance.now();
let count = 0;
let bytes = 0;
let multipart = 0;
// As the poll loop: MaxParallelFile when set, else as many objects as there are connections.
await forEachLimit(objects(), config.maxParallelFile ?? config.maxConnections, async (o) => {
  const result = await copyObject(
    { srcBucket, srcKey: o.key, dstBucket, dstKey: o.key, size: o.size },
    deps,
  );
  count++;
  bytes += result.bytes;
  if (result.method === "multipart") multipart++;
});
const done = performance.now();
destroyClients(clients);

const seconds = (done - copyStarted) / 1000;
const cpu = process.cpuUsage();
console.log(
  JSON.stringify({
    tool: "ours",
    objects: count,
    bytes,
    multipart,
    seconds: round(seconds),
    mibPerSec: round(bytes / 2 ** 20 / seconds),
    objectsPerSec: round(count / seconds),
    startupSeconds: round((copyStarted - started) / 1000),
    cpuSeconds: round((cpu.user + cpu.system) / 1e6),
    budgetPeakMiB: round(budget.peak / 2 ** 20),
    settings: {
      maxThread: config.maxThread,
      maxParallelFile: config.maxParallelFile,
      chunkSizeMiB: config.chunkSizeBytes / 2 ** 20,
      resumableThresholdMiB: config.resumableThresholdBytes / 2 ** 20,
      memoryBudgetMiB: config.memoryBudgetBytes / 2 ** 20,
      hasherThreads: deps.hasher?.threads ?? 0,
    },
  }),
);

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
