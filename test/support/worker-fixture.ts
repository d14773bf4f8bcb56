import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { type DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { type CopyJob, formatJobMessage } from "@s3-migration/common";
import { type EngineFixture, engineFixture } from "./engine.js";
import { LOCAL_INI, ROOT, readStackEnv } from "./local-stack.js";
import { ensureQueues, ensureStatusTable } from "./provision.js";

/** A worker process started by a test, with its JSON log lines. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[];
  /** Everything the process wrote so far. */
  readonly text: { stdout: string; stderr: string };
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
  /** Resolves with the first log line that matches. */
  waitFor(
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
}

export interface WorkerFixture extends EngineFixture {
  readonly name: string;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  sendJobs(jobs: readonly CopyJob[]): Promise<void>;
  sendBodies(bodies: readonly string[]): Promise<void>;
  spawnWorker(args?: string[], env?: Record<string, string>): WorkerProcess;
  /** Runs the jobsender on the fixture's queue and table. */
  spawnJobsender(args?: string[], env?: Record<string, string>): WorkerProcess;
  statusItems(): Promise<Record<string, { S?: string; N?: string }>[]>;
  queueCounts(url?: string): Promise<{ visible: number; inFlight: number }>;
  /** Receives (and leaves) what is in the DLQ. */
  dlqBodies(): Promise<string[]>;
}

/** Ini keys applied to every worker of the fixture, as S3MIG_ variables. */
export function overridesEnv(overrides: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(overrides).map(([k, v]) => [`S3MIG_${k}`, v]));
}

/** Buckets, a queue with its DLQ and a status table of its own, and a way to run workers on them. */
export async function workerFixture(
  prefix: string,
  queue: { visibilityTimeoutSec: number; maxReceiveCount: number },
  overrides: Record<string, string> = {},
): Promise<WorkerFixture> {
  const engine = await engineFixture(prefix);
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  const { sqs, dynamodb } = engine.clients;
  const { queueUrl, dlqUrl } = await ensureQueues(sqs, name, `${name}-DLQ`, queue);
  await ensureStatusTable(dynamodb, name);
  const baseEnv = {
    ...readStackEnv(),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...overridesEnv({
      table_queue_name: name,
      Des_bucket_default: engine.dstBucket,
      PollWaitSeconds: "1",
      ...overrides,
    }),
  };
  const send = (bodies: readonly string[]) => sendInBatches(sqs, queueUrl, bodies);
  const spawned: WorkerProcess[] = [];
  const spawn = (program: "worker" | "jobsender", args: string[], env: Record<string, string>) => {
    const p = spawnProgram(program, ["--config", LOCAL_INI, ...args], { ...baseEnv, ...env });
    spawned.push(p);
    return p;
  };
  return {
    ...engine,
    // A test that failed half-way leaves no process polling the stack.
    cleanup: async () => {
      for (const p of spawned) {
        if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
      }
      await engine.cleanup();
    },
    name,
    queueUrl,
    dlqUrl,
    sendJobs: (jobs) => send(jobs.map(formatJobMessage)),
    sendBodies: send,
    spawnWorker: (args = [], env = {}) => spawn("worker", args, env),
    spawnJobsender: (args = [], env = {}) => spawn("jobsender", args, env),
    statusItems: () => scanStatusItems(dynamodb, name),
    queueCounts: (url = queueUrl) => countMessages(sqs, url),
    dlqBodies: () => peekMessages(sqs, dlqUrl),
  };
}

/** Sends `bodies` to the queue in batches of 10; throws if any entry failed. */
async function sendInBatches(
  sqs: SQSClient,
  queueUrl: string,
  bodies: readonly string[],
): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    const entries = bodies
      .slice(i, i + 10)
      .map((MessageBody, n) => ({ Id: String(n), MessageBody }));
    const out = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
    );
    if ((out.Failed ?? []).length > 0)
      throw new Error(`send failed: ${JSON.stringify(out.Failed)}`);
  }
}

/** Every item of the status table (a consistent Scan). */
async function scanStatusItems(
  dynamodb: DynamoDBClient,
  table: string,
): Promise<Record<string, { S?: string; N?: string }>[]> {
  const out = await dynamodb.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  return (out.Items ?? []) as Record<string, { S?: string; N?: string }>[];
}

/** The queue's messages waiting (visible) and in flight. */
async function countMessages(
  sqs: SQSClient,
  url: string,
): Promise<{ visible: number; inFlight: number }> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return {
    visible: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

/** Receives up to 10 bodies of the queue, leaving them visible (VisibilityTimeout 0). */
async function peekMessages(sqs: SQSClient, url: string): Promise<string[]> {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 0,
      WaitTimeSeconds: 1,
    }),
  );
  return (out.Messages ?? []).map((m) => m.Body ?? "");
}

type LogLine = Record<string, unknown>;

/** What a process wrote: all of its text, its JSON lines, and the waiters for a line to come. */
interface ProcessOutput {
  readonly text: { stdout: string; stderr: string };
  readonly lines: LogLine[];
  readonly waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[];
}

/** A worker or jobsender process; JSON lines from stdout and stderr are collected. */
export function spawnProgram(
  program: "worker" | "jobsender",
  args: string[],
  env: Record<string, string>,
): WorkerProcess {
  // One process (node with tsx's loader), not the tsx CLI, which runs the program in a child
  // process: a kill -9 must hit the program itself.
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(ROOT, "packages", program, "src", "main.ts"), ...args],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  const output: ProcessOutput = { text: { stdout: "", stderr: "" }, lines: [], waiters: [] };
  child.stdout?.on("data", collectOutput(output, "stdout"));
  child.stderr?.on("data", collectOutput(output, "stderr"));
  const exited = new Promise<number | string>((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  return {
    child,
    lines: output.lines,
    text: output.text,
    exited,
    waitFor: (match, timeoutMs = 60_000) => waitForLine(output, match, timeoutMs),
  };
}

/**
 * A `data` listener for one stream: keeps its text, parses each complete line that starts with
 * `{` as JSON (skipping what does not parse) and hands every line to the waiters it matches.
 */
function collectOutput(output: ProcessOutput, stream: "stdout" | "stderr") {
  const { text, lines, waiters } = output;
  let buffer = "";
  return (chunk: Buffer) => {
    text[stream] += chunk.toString();
    buffer += chunk.toString();
    const parts = buffer.split("\n");
    buffer = parts.pop() ?? "";
    for (const part of parts.filter((p) => p.startsWith("{"))) {
      let line: LogLine;
      try {
        line = JSON.parse(part);
      } catch {
        continue;
      }
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.match(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  };
}

/** The first line seen so far that matches, else the next one to come, within `timeoutMs`. */
function waitForLine(
  output: ProcessOutput,
  match: (line: LogLine) => boolean,
  timeoutMs: number,
): Promise<LogLine> {
  const seen = output.lines.find(match);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("log line did not come in time")), timeoutMs);
    output.waiters.push({
      match,
      resolve: (l) => {
        clearTimeout(timer);
        resolve(l);
      },
    });
  });
}
