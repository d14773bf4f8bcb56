/**
 * `pnpm cleanup --config <ini> [--older-than-hours N | --older-than-minutes N] [--yes]
 * [--include-bound]`: lists the unfinished multipart uploads older than N (default 24 hours)
 * under each bucket-map destination, one JSON line per upload on stdout; with `--yes` aborts
 * them. An upload the status table binds to its copy (a copy of many hours in progress, or one
 * its next delivery resumes) is listed as `kept` and never aborted, unless `--include-bound`.
 * Exit codes: 0 done; 1 failure (e.g. an abort failed); 2 bad arguments or configuration.
 */
import { parseArgs } from "node:util";
import { nonNegative, OPS_EXIT, readOpsArgs, runOpsCommand } from "./ops-cli.js";
import { abortUpload, destinations, listStaleUploads } from "./stale-uploads.js";
import { isBound } from "./upload-bindings.js";

const USAGE =
  "pnpm cleanup --config <ini> [--older-than-hours <n> | --older-than-minutes <n>] [--yes] [--include-bound]";

const args = readOpsArgs("cleanup", USAGE, () => {
  const { values } = parseArgs({
    options: {
      config: { type: "string" },
      "older-than-hours": { type: "string" },
      "older-than-minutes": { type: "string" },
      yes: { type: "boolean", default: false },
      "include-bound": { type: "boolean", default: false },
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
  return {
    config: values.config,
    olderThanMs: minutes * 60_000,
    yes: values.yes,
    includeBound: values["include-bound"],
  };
});

await runOpsCommand(
  "cleanup",
  args.config,
  async ({ clients, config, logger, mappings, signal }) => {
    const now = new Date();
    let found = 0;
    let aborted = 0;
    let kept = 0;
    for (const { bucket, prefix } of destinations(mappings)) {
      for await (const upload of listStaleUploads(clients.destinationS3, {
        bucket,
        prefix,
        olderThanMs: args.olderThanMs,
        now,
        signal,
      })) {
        found++;
        const bound =
          !args.includeBound &&
          (await isBound(clients.dynamodb, config.tableName, upload, mappings, signal));
        if (bound) {
          kept++;
          process.stdout.write(
            `${JSON.stringify({ ...upload, initiated: upload.initiated?.toISOString(), aborted: false, kept: "bound to its copy in the status table" })}\n`,
          );
          continue;
        }
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
    const keptNote =
      kept > 0 ? `; kept ${kept} bound to their copies (--include-bound aborts them too)` : "";
    process.stderr.write(
      args.yes
        ? `cleanup: aborted ${aborted} unfinished multipart uploads${keptNote}\n`
        : `cleanup: found ${found - kept} unfinished multipart uploads (run with --yes to abort them)${keptNote}\n`,
    );
    return OPS_EXIT.ok;
  },
);
