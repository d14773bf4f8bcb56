/**
 * Benchmark of the streaming diff: two synthetic sorted listings of N keys each (generated
 * lazily, in UTF-8 binary order, with a few % differences) go through `diffListings`; prints
 * keys/s and the peak RSS sampled while it runs, and checks the counts against what was planted.
 *
 * Run from the repo root:
 *   /usr/bin/time -v node --import tsx bench/diff/diff-bench.ts --keys 10000000
 */
import { parseArgs } from "node:util";
import {
  type CompareMode,
  createDiffStats,
  diffListings,
  type ListedObject,
} from "../../packages/jobsender/src/index.js";

const { values } = parseArgs({
  options: {
    keys: { type: "string", default: "10000000" },
    compare: { type: "string", default: "size+etag" },
  },
});
const KEYS = Number(values.keys);
const COMPARE = values.compare as CompareMode;
if (!Number.isInteger(KEYS) || KEYS < 1)
  throw new Error(`--keys [${values.keys}] must be an integer ≥ 1`);
if (COMPARE !== "size" && COMPARE !== "size+etag")
  throw new Error(`--compare [${COMPARE}] must be size or size+etag`);

const MD5 = "9b2cf535f27731c974343645a3985328";
const OTHER_MD5 = "d41d8cd98f00b204e9800998ecf8427e";
/** Planted differences, by a per-key hash in [0, 1). */
const MISSING = 0.01;
const SIZE_DIFFERS = 0.02;
const ETAG_DIFFERS = 0.03;
const EXTRA_AFTER = 0.035;

/** A per-index hash in [0, 1), so both generators agree without sharing state. */
function hash(i: number): number {
  let h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** Zero-padded numbers keep the keys in UTF-8 order; the fixed part holds CJK, high-BMP, emoji. */
function keyOf(i: number): string {
  return `photos/２０２４～/${String(i).padStart(10, "0")}-é😀.jpg`;
}

let peakRss = 0;
let peakHeap = 0;
function sample(): void {
  const { rss, heapUsed } = process.memoryUsage();
  if (rss > peakRss) peakRss = rss;
  if (heapUsed > peakHeap) peakHeap = heapUsed;
}

async function* source(n: number): AsyncGenerator<ListedObject> {
  for (let i = 0; i < n; i++) {
    if ((i & 0xffff) === 0) sample();
    const multipart = (i & 7) === 0;
    yield { key: keyOf(i), size: 1000 + (i % 5000), etag: multipart ? `${MD5}-3` : MD5 };
  }
}

async function* destination(n: number): AsyncGenerator<ListedObject> {
  for (let i = 0; i < n; i++) {
    const r = hash(i);
    const multipart = (i & 7) === 0;
    const etag = multipart ? `${MD5}-3` : MD5;
    const size = 1000 + (i % 5000);
    if (r >= MISSING) {
      if (r < SIZE_DIFFERS) yield { key: keyOf(i), size: size + 1, etag };
      else if (r < ETAG_DIFFERS)
        yield { key: keyOf(i), size, etag: multipart ? `${OTHER_MD5}-3` : OTHER_MD5 };
      else yield { key: keyOf(i), size, etag };
    }
    if (r >= ETAG_DIFFERS && r < EXTRA_AFTER) yield { key: `${keyOf(i)}.old`, size: 1, etag: MD5 };
  }
}

function planted(n: number) {
  const counts = { missing: 0, sizeDiffers: 0, etagDiffers: 0, destinationOnly: 0 };
  for (let i = 0; i < n; i++) {
    const r = hash(i);
    if (r < MISSING) counts.missing++;
    else if (r < SIZE_DIFFERS) counts.sizeDiffers++;
    else if (r < ETAG_DIFFERS) counts.etagDiffers++;
    else if (r < EXTRA_AFTER) counts.destinationOnly++;
  }
  if (COMPARE === "size") counts.etagDiffers = 0;
  return counts;
}

async function main(): Promise<void> {
  sample();
  const startRss = peakRss;
  const stats = createDiffStats();
  const started = process.hrtime.bigint();
  let entries = 0;
  for await (const _entry of diffListings(source(KEYS), destination(KEYS), {
    compare: COMPARE,
    stats,
  })) {
    entries++;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  sample();
  const expected = planted(KEYS);
  const got = {
    missing: stats.missing,
    sizeDiffers: stats.sizeDiffers,
    etagDiffers: stats.etagDiffers,
    destinationOnly: stats.destinationOnly,
  };
  const ok = JSON.stringify(got) === JSON.stringify(expected);
  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
  const rate = (n: number) => `${Math.round(n / seconds).toLocaleString("en-US")}/s`;
  process.stdout.write(
    [
      `keys per side      ${KEYS.toLocaleString("en-US")} (compare ${COMPARE}, node ${process.version})`,
      `diff entries       ${entries.toLocaleString("en-US")} ${JSON.stringify(got)}`,
      `matches planted    ${ok ? "yes" : `NO, expected ${JSON.stringify(expected)}`}`,
      `time               ${seconds.toFixed(2)} s`,
      `source keys        ${rate(stats.sourceObjects)}`,
      `keys (both sides)  ${rate(stats.sourceObjects + stats.destinationObjects)}`,
      `RSS at start       ${mb(startRss)}`,
      `peak RSS (sampled) ${mb(peakRss)}`,
      `peak heap used     ${mb(peakHeap)}`,
      "",
    ].join("\n"),
  );
  if (!ok) process.exitCode = 1;
}

await main();
