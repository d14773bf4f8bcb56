import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteTableCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { DeleteQueueCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { type AwsClients, destroyClients, statusItemId } from "@s3-migration/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localClients, readStackEnv } from "./support/local-stack.js";
import { ensureQueues, ensureStatusTable } from "./support/provision.js";
import { runOp } from "./support/run-op.js";
import { overridesEnv } from "./support/worker-fixture.js";

describe("status on the local stack", () => {
  // Only SQS and DynamoDB: a queue, its DLQ and a status table of this test's own.
  const name = `ops-status-${randomUUID().slice(0, 8)}`;
  const srcBucket = "ops-status-src";
  let clients: AwsClients;
  let queueUrl: string;
  let dlqUrl: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    // Prepare: 3 jobs waiting, 1 in the DLQ; 2 objects done (one recently), 1 running, 2 failed.
    ({ clients } = await localClients());
    ({ queueUrl, dlqUrl } = await ensureQueues(clients.sqs, name, `${name}-DLQ`));
    await ensureStatusTable(clients.dynamodb, name);
    const map = join(tmpdir(), `${name}-map.json`);
    writeFileSync(map, JSON.stringify([{ src_bucket: srcBucket, des_bucket: "ops-status-dst" }]));
    env = {
      ...readStackEnv(),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      ...overridesEnv({ table_queue_name: name, ssm_parameter_bucket: `file:${map}` }),
    };
    for (const MessageBody of ["a", "b", "c"]) {
      await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody }));
    }
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: "d" }));
    const now = Date.now();
    const iso = (ago: number) => new Date(now - ago).toISOString();
    const items = [
      { key: "done-recent", status: "done", size: 1000, endTime: iso(60_000) },
      { key: "done-old", status: "done", size: 500, endTime: iso(3 * 3_600_000) },
      { key: "running", status: "running", size: 70 },
      { key: "failed-old", status: "failed", size: 3, endTime: iso(120_000), err: "old error" },
      { key: "failed-new", status: "failed", size: 4, endTime: iso(1_000), err: "AccessDenied" },
    ];
    for (const i of items) {
      await clients.dynamodb.send(
        new PutItemCommand({
          TableName: name,
          Item: {
            objectId: { S: statusItemId(srcBucket, i.key) },
            srcBucket: { S: srcBucket },
            srcKey: { S: i.key },
            status: { S: i.status },
            sizeBytes: { N: String(i.size) },
            attempts: { N: "1" },
            ...(i.endTime ? { endTime: { S: i.endTime } } : {}),
            ...(i.err ? { lastError: { S: i.err }, errorClass: { S: "object" } } : {}),
          },
        }),
      );
    }
  });
  afterAll(async () => {
    await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
    await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: dlqUrl }));
    await clients.dynamodb.send(new DeleteTableCommand({ TableName: name }));
    destroyClients(clients);
  });

  it("reports queues, objects with bytes, rate and the newest failure first with --json", async () => {
    // Act
    const run = await runOp("status", ["--json", "--rate-window", "10"], env);
    // Assess
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.queue).toMatchObject({ waiting: 3, inFlight: 0 });
    expect(report.dlq).toMatchObject({ waiting: 1 });
    expect(report.objects.done).toEqual({ count: 2, bytes: 1500 });
    expect(report.objects.running).toEqual({ count: 1, bytes: 70 });
    expect(report.objects.failed).toEqual({ count: 2, bytes: 7 });
    expect(report.objects.recent).toEqual({ count: 1, bytes: 1000 });
    expect(report.objects.failures.map((x: { srcKey: string }) => x.srcKey)).toEqual([
      "failed-new",
      "failed-old",
    ]);
    expect(report.etaSeconds).toBeGreaterThan(0);
  });

  it("prints a readable report and fails clearly on a bad flag", async () => {
    const run = await runOp("status", [], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("queue:   3 waiting, 0 in flight");
    expect(run.stdout).toContain("AccessDenied");
    const bad = await runOp("status", ["--rate-window", "soon"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--rate-window: got "soon"');
  });
});
