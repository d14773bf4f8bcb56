/**
 * Micro-benchmark of `compareKeys` against JavaScript's `<` (UTF-16 order, wrong for astral vs
 * high-BMP keys) and `Buffer.compare` (UTF-8 order, allocating): neighbouring keys of a listing,
 * which share a long prefix, as the diff compares them.
 *
 * Run from the repo root: node --import tsx bench/diff/compare-keys-bench.ts
 */
import { compareKeys } from "../../packages/jobsender/src/index.js";

const PAIRS = 2_000_000;
const keys = Array.from(
  { length: PAIRS + 1 },
  (_, i) => `photos/２０２４～/${String(i).padStart(10, "0")}-é😀.jpg`,
);

function time(label: string, compare: (a: string, b: string) => number): void {
  let sink = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < PAIRS; i++)
    sink += Math.sign(compare(keys[i] as string, keys[i + 1] as string));
  const ns = Number(process.hrtime.bigint() - started) / PAIRS;
  process.stdout.write(`${label.padEnd(16)} ${ns.toFixed(1)} ns/compare (sum ${sink})\n`);
}

for (let round = 0; round < 2; round++) {
  time("compareKeys", compareKeys);
  time("native <", (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  time("Buffer.compare", (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}
