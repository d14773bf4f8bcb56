/**
 * The markdown tables of several benchmark passes pooled (medians over every run of them all),
 * plus each pass's ratios:
 *
 *   pnpm exec tsx bench/copy/pool.ts .local/bench/copy-results-<a>.json .local/bench/copy-results-<b>.json
 */
import { readFileSync } from "node:fs";
import { markdown, type RunRecord, summarize } from "./report.js";

const files = process.argv.slice(2);
if (files.length === 0) throw new Error("usage: pool.ts <copy-results-*.json>...");
const passes = files.map((f) => JSON.parse(readFileSync(f, "utf8")) as RunRecord[]);
const all = passes.flat();
const datasets = [...new Set(all.map((r) => r.dataset))];

const ratio = (records: readonly RunRecord[], d: string, tool: "ours" | "ours-defaults") =>
  (summarize(records, d, tool).mibPerSec / summarize(records, d, "rclone").mibPerSec).toFixed(2);

const lines = [
  markdown(all, datasets),
  "",
  `| dataset | ${passes.map((_, i) => `pass ${i + 1} ours ÷ rclone`).join(" | ")} | ${passes.map((_, i) => `pass ${i + 1} ours-defaults ÷ rclone`).join(" | ")} |`,
  `| --- | ${passes.map(() => "--:").join(" | ")} | ${passes.map(() => "--:").join(" | ")} |`,
  ...datasets.map(
    (d) =>
      `| ${d} | ${passes.map((p) => ratio(p, d, "ours")).join(" | ")} | ${passes.map((p) => ratio(p, d, "ours-defaults")).join(" | ")} |`,
  ),
];
console.log(lines.join("\n"));
