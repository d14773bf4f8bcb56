import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { CreateMultipartUploadCommand, ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { destroyClients, statusItemId } from "@s3-migration/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EngineFixture, engineFixture } from "./support/engine.js";
import { readStackEnv } from "./support/local-stack.js";
import { runOp } from "./support/run-op.js";
import { overridesEnv } from "./support/worker-fixture.js";

/** The environment of a cleanup run whose bucket map copies the fixture's source under `copy/`. */
function cleanupEnv(f: EngineFixture): Record<string, string> {
  const map = join(tmpdir(), `${f.dstBucket}-map.json`);
  writeFileSync(
    map,
    JSON.stringify([{ src_bucket: f.srcBucket, des_bucket: f.dstBucket, des_prefix: "copy" }]),
  );
  return {
    ...readStackEnv(),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...overridesEnv({ ssm_parameter_bucket: `file:${map}` }),
  };
}

describe("cleanup on the local stack", () => {
  let f: EngineFixture;
  let env: Record<string, string>;
  let uploadId: string;

  beforeAll(async () => {
    // Prepare: one unfinished upload under the destination prefix, one outside it.
    f = await engineFixture("ops-cleanup");
    env = cleanupEnv(f);
    const start = (Key: string) =>
      f.clients.destinationS3.send(new CreateMultipartUploadCommand({ Bucket: f.dstBucket, Key }));
    uploadId = (await start("copy/big.bin")).UploadId ?? "";
    await start("elsewhere/other.bin");
  });
  afterAll(async () => {
    await f?.cleanup();
    if (f) destroyClients(f.clients);
  });

  const uploads = async () =>
    (
      (await f.clients.destinationS3.send(new ListMultipartUploadsCommand({ Bucket: f.dstBucket })))
        .Uploads ?? []
    ).map((u) => u.Key);

  it("skips uploads younger than the threshold", async () => {
    const run = await runOp("cleanup", [], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("found 0 unfinished multipart uploads");
  });

  it("lists old uploads under the destination prefix without --yes and aborts them with it", async () => {
    // Act 1
    const listed = await runOp("cleanup", ["--older-than-minutes", "0"], env);
    // Assess 1
    expect(listed.code).toBe(0);
    const lines = listed.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      expect.objectContaining({ key: "copy/big.bin", uploadId, aborted: false }),
    ]);
    expect(await uploads()).toContain("copy/big.bin");
    // Act 2
    const aborted = await runOp("cleanup", ["--older-than-minutes", "0", "--yes"], env);
    // Assess 2
    expect(aborted.code).toBe(0);
    expect(aborted.stderr).toContain("aborted 1 unfinished multipart uploads");
    expect(await uploads()).toEqual(["elsewhere/other.bin"]);
  });

  it("rejects a negative age with exit 2", async () => {
    const run = await runOp("cleanup", ["--older-than-hours=-1"], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--older-than-hours: got "-1"');
  });
});

describe("cleanup and the upload ledger", () => {
  let f: EngineFixture;
  let env: Record<string, string>;
  const table = "s3_migration_local"; // config/local.ini's table, as the command reads it
  let itemId: string;

  beforeAll(async () => {
    f = await engineFixture("ops-cleanup-bound");
    env = cleanupEnv(f);
    itemId = statusItemId(f.srcBucket, "giant.bin");
  });
  afterAll(async () => {
    await f.clients.dynamodb.send(
      new DeleteItemCommand({ TableName: table, Key: { objectId: { S: itemId } } }),
    );
    await f?.cleanup();
    if (f) destroyClients(f.clients);
  });

  it("keeps an old upload the status table binds to its copy, and aborts it with --include-bound", async () => {
    // Prepare: a day-old-looking upload of giant.bin bound in the ledger, and an unbound one.
    const start = async (Key: string) =>
      (
        await f.clients.destinationS3.send(
          new CreateMultipartUploadCommand({ Bucket: f.dstBucket, Key }),
        )
      ).UploadId ?? "";
    const bound = await start("copy/giant.bin");
    await start("copy/orphan.bin");
    await f.clients.dynamodb.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          objectId: { S: itemId },
          status: { S: "running" },
          uploadId: { S: bound },
          uploadSourceEtag: { S: "0123456789abcdef0123456789abcdef" },
          uploadSourceSize: { N: "2000000000000" },
          uploadPartSize: { N: "209715200" },
        },
      }),
    );
    // Act
    const run = await runOp("cleanup", ["--older-than-minutes", "0", "--yes"], env);
    // Assess
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          key: "copy/giant.bin",
          uploadId: bound,
          aborted: false,
          kept: expect.any(String),
        }),
        expect.objectContaining({ key: "copy/orphan.bin", aborted: true }),
      ]),
    );
    expect(run.stderr).toContain("aborted 1 unfinished multipart uploads; kept 1 bound");
    expect(await keysOfUploads(f)).toEqual(["copy/giant.bin"]);
    // Act 2
    const forced = await runOp(
      "cleanup",
      ["--older-than-minutes", "0", "--yes", "--include-bound"],
      env,
    );
    // Assess 2
    expect(forced.code).toBe(0);
    expect(await keysOfUploads(f)).toEqual([]);
  });
});

async function keysOfUploads(f: EngineFixture): Promise<(string | undefined)[]> {
  const out = await f.clients.destinationS3.send(
    new ListMultipartUploadsCommand({ Bucket: f.dstBucket }),
  );
  return (out.Uploads ?? []).map((u) => u.Key);
}
