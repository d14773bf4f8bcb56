/**
 * `pnpm status --config <ini> [--json] [--watch] [--interval <s>] [--rate-window <min>]`: queue
 * and DLQ depth, objects done / running / failed with bytes from the status table, the recent
 * rate, an ETA, the objects in progress (parts done / total, lease expiry; slices and bytes
 * done / total of giant objects split across workers) and the most recent failures. Exit codes:
 * 0 shown; 1 failure; 2 bad arguments or configuration.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import { queueCounts } from "@s3-migration/common";
import { nonNegative, OPS_EXIT, readOpsArgs, runOpsCommand } from "./ops-cli.js";
import { buildStatusReport, formatStatusReport, scanStatusTable } from "./status-report.js";

const USAGE =
  "pnpm status --config <ini> [--json] [--watch] [--interval <seconds>] [--rate-window <minutes>]";

const args = readOpsArgs("status", USAGE, () => {
  const { values } = parseArgs({
    options: {
      config: { type: "string" },
      json: { type: "boolean", default: false },
      watch: { type: "boolean", default: false },
      interval: { type: "string" },
      "rate-window": { type: "string" },
    },
  });
  if (values.config === undefined) throw new Error("--config is required");
  return {
    config: values.config,
    json: values.json,
    watch: values.watch,
    intervalSec: Math.max(1, nonNegative("interval", values.interval, 5)),
    rateWindowMinutes: nonNegative("rate-window", values["rate-window"], 10),
  };
});

await runOpsCommand("status", args.config, async ({ config, clients, signal }) => {
  const url = async (name: string) =>
    (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: name }), { abortSignal: signal }))
      .QueueUrl ?? "";
  const [queueUrl, dlqUrl] = await Promise.all([url(config.queueName), url(config.dlqName)]);
  const tty = process.stdout.isTTY === true;
  for (;;) {
    const now = new Date();
    const [queue, dlq, objects] = await Promise.all([
      queueCounts(clients.sqs, queueUrl, signal),
      queueCounts(clients.sqs, dlqUrl, signal),
      scanStatusTable(clients.dynamodb, config.tableName, {
        now,
        rateWindowMinutes: args.rateWindowMinutes,
        signal,
      }),
    ]);
    const report = buildStatusReport(now, queue, dlq, objects, args.rateWindowMinutes);
    const text = args.json ? `${JSON.stringify(report)}\n` : formatStatusReport(report);
    process.stdout.write(args.watch && tty && !args.json ? `\x1b[2J\x1b[H${text}` : text);
    if (!args.watch) return OPS_EXIT.ok;
    try {
      await sleep(args.intervalSec * 1000, undefined, { signal });
    } catch {
      return OPS_EXIT.ok;
    }
  }
});
