/**
 * `pnpm cleanup --config <ini> [--older-than-hours N | --older-than-minutes N] [--yes]`: lists
 * the unfinished multipart uploads older than N (default 24 hours) under each bucket-map
 * destination, one JSON line per upload on stdout; with `--yes` aborts them. Exit codes: 0
 * done; 1 failure (e.g. an abort failed); 2 bad arguments or configuration.
 */
import { parseArgs } from "node:util";
import { nonNegative, OPS_EXIT, readOpsArgs, runOpsCommand } from "./ops-cli.js";
import { abortUpload, destinations, listStaleUploads } from "./stale-uploads.js";

const USAGE =
  "pnpm cleanup --config <ini> [--older-than-hours <n> | --older-than-minutes <n>] [--yes]";

const args = readOpsArgs("cleanup", USAGE, () => {
  const { values } = parseArgs({
    options: {
      config: { type: "string" },
      "older-than-hours": { type: "string" },
      "older-than-minutes": { type: "string" },
      yes: { type: "boolean", default: false },
    },
  });
  if (values.config === undefined) throw new Error("--config is required");
  if (values["older-than-hours"] !== undefined && values["older-than-minutes"] !== undefined) {
    throw new Error("give --older-than-hours or --older-than-minutes, not both");
  }
  const minutes =
    values["older-than-minutes"] !== undefined
      ? nonNegative("older-than-minutes", values["older-than-minutes"], 0)
      : nonNegative("older-than-hours", values["older-than-hours"], 24) * 60;
  return { config: values.config, olderThanMs: minutes * 60_000, yes: values.yes };
});

await runOpsCommand("cleanup", args.config, async ({ clients, logger, mappings, signal }) => {
  const now = new Date();
  let found = 0;
  let aborted = 0;
  for (const { bucket, prefix } of destinations(mappings)) {
    for await (const upload of listStaleUploads(clients.destinationS3, {
      bucket,
      prefix,
      olderThanMs: args.olderThanMs,
      now,
      signal,
    })) {
      found++;
      if (args.yes) {
        await abortUpload(clients.destinationS3, upload, signal);
        aborted++;
        logger.info("multipart upload aborted", {
          dstBucket: upload.bucket,
          dstKey: upload.key,
          uploadId: upload.uploadId,
        });
      }
      process.stdout.write(
        `${JSON.stringify({ ...upload, initiated: upload.initiated?.toISOString(), aborted: args.yes })}\n`,
      );
    }
  }
  process.stderr.write(
    args.yes
      ? `cleanup: aborted ${aborted} unfinished multipart uploads\n`
      : `cleanup: found ${found} unfinished multipart uploads (run with --yes to abort them)\n`,
  );
  return OPS_EXIT.ok;
});
