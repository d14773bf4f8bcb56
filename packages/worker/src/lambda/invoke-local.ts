/**
 * `pnpm lambda:invoke --config <ini> --event <file|-|queue> [--remaining-ms N]`: runs the Lambda
 * worker's handler once, in this process, against the services the ini names (the local stack,
 * or AWS), the way `sam local invoke` is used, and prints the partial batch response.
 * `--event queue` receives up to 10 messages from the ini's queue and hands them over as the
 * event source mapping would; `-` reads the event from stdin. `--remaining-ms` is the time the
 * invocation has (default 900000, Lambda's 15 minutes).
 *
 * Exit codes: 0 the batch ran (failures are in the response); 2 bad arguments, config or event.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { ConfigError, destroyClients } from "@s3-migration/common";
import { handleBatch } from "./handler.js";
import { type LambdaRuntime, startRuntime } from "./lambda-runtime.js";
import type { SqsEvent } from "./sqs-event.js";

const USAGE =
  "usage: pnpm lambda:invoke --config <ini> --event <file|-|queue> [--remaining-ms N] [--margin-ms N]";

interface Args {
  readonly config: string;
  readonly event: string;
  readonly remainingMs: number;
  readonly marginMs: number | undefined;
}

function readArgs(): Args {
  const { values } = parseArgs({
    options: {
      config: { type: "string" },
      event: { type: "string" },
      "remaining-ms": { type: "string", default: "900000" },
      "margin-ms": { type: "string" },
    },
  });
  if (values.config === undefined) throw new UsageError("--config is required");
  if (values.event === undefined) throw new UsageError("--event is required");
  const whole = (name: string, text: string | undefined) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) {
      throw new UsageError(`--${name}: got ${text}; expected an integer ≥ 0`);
    }
    return n;
  };
  return {
    config: values.config,
    event: values.event,
    remainingMs: whole("remaining-ms", values["remaining-ms"]),
    marginMs:
      values["margin-ms"] === undefined ? undefined : whole("margin-ms", values["margin-ms"]),
  };
}

class UsageError extends Error {}

/** The event to invoke with: a file, stdin, or messages received from the queue now. */
async function readEvent(source: string, rt: LambdaRuntime): Promise<unknown> {
  if (source === "queue") {
    const out = await rt.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: rt.queue.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ["ApproximateReceiveCount"],
      }),
    );
    const event: SqsEvent = {
      Records: (out.Messages ?? []).map((m) => ({
        messageId: m.MessageId ?? "",
        receiptHandle: m.ReceiptHandle ?? "",
        body: m.Body ?? "",
        attributes: { ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? "1" },
      })),
    };
    return event;
  }
  const text = readFileSync(source === "-" ? 0 : source, "utf8");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--event ${source}: not JSON (${(err as Error).message})`);
  }
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = readArgs();
  } catch (err) {
    process.stderr.write(`lambda:invoke: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  let rt: LambdaRuntime;
  try {
    rt = await startRuntime({ ...process.env, S3MIG_CONFIG_FILE: args.config });
  } catch (err) {
    process.stderr.write(`lambda:invoke: ${(err as Error).message}\n`);
    return err instanceof ConfigError ? 2 : 1;
  }
  const started = Date.now();
  try {
    const event = await readEvent(args.event, rt);
    const context = { getRemainingTimeInMillis: () => args.remainingMs - (Date.now() - started) };
    const response = await handleBatch(rt, event, context, args.marginMs);
    process.stdout.write(`${JSON.stringify(response)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`lambda:invoke: ${(err as Error).message}\n`);
    return err instanceof UsageError || err instanceof TypeError ? 2 : 1;
  } finally {
    rt.metrics.close();
    rt.transfer.close();
    destroyClients(rt.clients);
  }
}

process.exitCode = await main();
