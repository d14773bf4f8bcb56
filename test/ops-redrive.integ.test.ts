import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteQueueCommand, SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { type AwsClients, destroyClients } from "@s3-migration/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redriveDlq } from "../packages/jobsender/src/ops/dlq-redrive.js";
import { localClients, ROOT, readStackEnv } from "./support/local-stack.js";
import { ensureQueues } from "./support/provision.js";
import { drainQueue } from "./support/queue-drain.js";
import { runOp } from "./support/run-op.js";
import { overridesEnv } from "./support/worker-fixture.js";

const COUNT = 35;
const BODIES = new Set(Array.from({ length: COUNT }, (_, i) => `{"job":${i}}`));

describe("redrive on the local stack", () => {
  // Only SQS: a queue and its DLQ of this test's own (fauxqs has no StartMessageMoveTask).
  const name = `ops-redrive-${randomUUID().slice(0, 8)}`;
  let clients: AwsClients;
  let queueUrl: string;
  let dlqUrl: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    ({ clients } = await localClients());
    ({ queueUrl, dlqUrl } = await ensureQueues(clients.sqs, name, `${name}-DLQ`));
    const map = join(tmpdir(), `${name}-map.json`);
    writeFileSync(map, JSON.stringify([{ src_bucket: "ops-redrive-src", des_bucket: "ops-dst" }]));
    env = {
      ...readStackEnv(),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      ...overridesEnv({ table_queue_name: name, ssm_parameter_bucket: `file:${map}` }),
    };
  });
  afterAll(async () => {
    await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
    await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: dlqUrl }));
    destroyClients(clients);
  });

  async function fillDlq(): Promise<void> {
    const bodies = [...BODIES];
    for (let i = 0; i < bodies.length; i += 10) {
      await clients.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: dlqUrl,
          Entries: bodies
            .slice(i, i + 10)
            .map((MessageBody, n) => ({ Id: String(n), MessageBody })),
        }),
      );
    }
  }

  const drain = (url: string) => drainQueue(clients.sqs, url);

  it("lists the DLQ with --dry-run and moves nothing, then moves every message", async () => {
    // Prepare
    await fillDlq();
    // Act 1
    const dry = await runOp("redrive", ["--dry-run"], env);
    // Assess 1
    expect(dry.code).toBe(0);
    const listed = dry.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).body);
    expect(new Set(listed)).toEqual(BODIES);
    expect(dry.stderr).toContain(`${COUNT} messages in ${name}-DLQ; nothing moved`);
    // Act 2: fauxqs answers StartMessageMoveTask with InvalidAction: the fallback moves them.
    const run = await runOp("redrive", [], env);
    // Assess 2
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`moved ${COUNT} messages`);
    expect(await drain(dlqUrl)).toEqual([]);
    const moved = await drain(queueUrl);
    expect(moved).toHaveLength(COUNT);
    expect(new Set(moved)).toEqual(BODIES);
  });

  it("loses no message when interrupted after some sends; a second run moves the rest", async () => {
    // Prepare: an SQS client that dies on the third SendMessageBatch.
    await fillDlq();
    let sends = 0;
    const crashing: Pick<SQSClient, "send"> = {
      send: ((command: unknown, options?: unknown) => {
        if (command instanceof SendMessageBatchCommand && ++sends > 2) {
          return Promise.reject(new Error("process killed"));
        }
        return (clients.sqs.send as (c: unknown, o?: unknown) => Promise<unknown>)(
          command,
          options,
        );
      }) as SQSClient["send"],
    };
    // Act 1
    await expect(
      redriveDlq(crashing, { dlqUrl, queueUrl, visibilityTimeoutSec: 1 }),
    ).rejects.toThrow("process killed");
    // Act 2: once the interrupted batch is visible again, a normal run finishes the move.
    await new Promise((r) => setTimeout(r, 1_500));
    const run = await runOp("redrive", [], env);
    // Assess: each message arrived at least once; the DLQ is empty.
    expect(run.code).toBe(0);
    expect(await drain(dlqUrl)).toEqual([]);
    const moved = await drain(queueUrl);
    expect(new Set(moved)).toEqual(BODIES);
  });

  it("fails with exit 2 without --config", async () => {
    const main = join(ROOT, "packages", "jobsender", "src", "ops", "redrive-main.ts");
    const code = await new Promise<number>((resolve) =>
      execFile(process.execPath, ["--import", "tsx", main], { cwd: ROOT }, (err) =>
        resolve(err ? Number(err.code) : 0),
      ),
    );
    expect(code).toBe(2);
  });
});
