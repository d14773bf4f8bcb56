/**
 * `pnpm verify --config <ini> [--deep] [--deep-concurrency N]`: compares every bucket-map
 * entry's source and destination (key, size, ETag where comparable; with `--deep` also the MD5
 * of both sides' bytes for objects that otherwise look equal) and prints one JSON line per
 * difference on stdout. Exit codes: 0 identical; 1 differences found or a failure; 2 bad
 * arguments or configuration.
 */
import { parseArgs } from "node:util";
import { nonNegative, OPS_EXIT, readOpsArgs, runOpsCommand } from "./ops-cli.js";
import { createVerifyStats, type VerifyStats, verifyMapping } from "./verify-listings.js";

const USAGE = "pnpm verify --config <ini> [--deep] [--deep-concurrency <n>]";

const args = readOpsArgs("verify", USAGE, () => {
  const { values } = parseArgs({
    options: {
      config: { type: "string" },
      deep: { type: "boolean", default: false },
      "deep-concurrency": { type: "string" },
    },
  });
  if (values.config === undefined) throw new Error("--config is required");
  const deepConcurrency = nonNegative("deep-concurrency", values["deep-concurrency"], 4);
  if (!Number.isInteger(deepConcurrency) || deepConcurrency < 1) {
    throw new Error(
      `--deep-concurrency: got "${deepConcurrency}"; expected an integer from 1 and up`,
    );
  }
  return { config: values.config, deep: values.deep, deepConcurrency };
});

await runOpsCommand(
  "verify",
  args.config,
  async ({ config, clients, logger, mappings, signal }) => {
    const all: VerifyStats[] = [];
    for (const mapping of mappings) {
      const stats = createVerifyStats();
      all.push(stats);
      for await (const difference of verifyMapping(
        mapping,
        {
          source: clients.sourceS3,
          destination: clients.destinationS3,
          compareEtags: config.destinationSse !== "aws:kms",
          deep: args.deep,
          deepConcurrency: args.deepConcurrency,
          signal,
        },
        stats,
      )) {
        process.stdout.write(`${JSON.stringify(difference)}\n`);
      }
      logger.info("bucket map entry verified", { ...mapping, ...stats });
    }
    const sum = (k: keyof VerifyStats) => all.reduce((n, s) => n + s[k], 0);
    process.stderr.write(
      `verify: ${sum("sourceObjects")} source / ${sum("destinationObjects")} destination objects; ` +
        `${sum("identical")} identical${args.deep ? ` (${sum("deepCompared")} compared byte for byte)` : ""}, ` +
        `${sum("differences")} differences\n`,
    );
    return sum("differences") > 0 ? OPS_EXIT.failed : OPS_EXIT.ok;
  },
);
