/**
 * `pnpm redrive --config <ini> [--dry-run] [--no-move-task]`: moves the dead-letter queue's
 * messages back to the job queue (StartMessageMoveTask where SQS has it, else receive → send →
 * delete: a crash halfway leaves duplicates, never losses). `--dry-run` prints each DLQ
 * message (one JSON line on stdout) and moves nothing. Exit codes: 0 done; 1 failure (what was
 * not moved stays in the DLQ); 2 bad arguments or configuration.
 */
import { parseArgs } from "node:util";
import { GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import { redriveDlq } from "./dlq-redrive.js";
import { OPS_EXIT, readOpsArgs, runOpsCommand } from "./ops-cli.js";

const USAGE = "pnpm redrive --config <ini> [--dry-run] [--no-move-task]";

const args = readOpsArgs("redrive", USAGE, () => {
  const { values } = parseArgs({
    options: {
      config: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      "no-move-task": { type: "boolean", default: false },
    },
  });
  if (values.config === undefined) throw new Error("--config is required");
  return { config: values.config, dryRun: values["dry-run"], moveTask: !values["no-move-task"] };
});

await runOpsCommand("redrive", args.config, async ({ config, clients, logger, signal }) => {
  const url = async (name: string) =>
    (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: name }), { abortSignal: signal }))
      .QueueUrl ?? "";
  const [queueUrl, dlqUrl] = await Promise.all([url(config.queueName), url(config.dlqName)]);
  const result = await redriveDlq(clients.sqs, {
    queueUrl,
    dlqUrl,
    dryRun: args.dryRun,
    useMoveTask: args.moveTask,
    signal,
    onMessage: (m) => {
      if (args.dryRun) {
        process.stdout.write(`${JSON.stringify({ messageId: m.MessageId, body: m.Body })}\n`);
      } else logger.debug("message redriven", { messageId: m.MessageId });
    },
  });
  logger.info("redrive finished", result);
  process.stderr.write(
    result.method === "move-task"
      ? `redrive: started an SQS message move task (${result.taskHandle}) from ${config.dlqName} to ${config.queueName}\n`
      : result.method === "dry-run"
        ? `redrive: ${result.listed} messages in ${config.dlqName}; nothing moved (dry run)\n`
        : `redrive: moved ${result.moved} messages from ${config.dlqName} to ${config.queueName}\n`,
  );
  return OPS_EXIT.ok;
});
