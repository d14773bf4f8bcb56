import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateMultipartUploadCommand, ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { destroyClients } from "@s3-migration/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EngineFixture, engineFixture } from "./support/engine.js";
import { readStackEnv } from "./support/local-stack.js";
import { runOp } from "./support/run-op.js";
import { overridesEnv } from "./support/worker-fixture.js";

describe("cleanup on the local stack", () => {
  let f: EngineFixture;
  let env: Record<string, string>;
  let uploadId: string;

  beforeAll(async () => {
    // Prepare: one unfinished upload under the destination prefix, one outside it.
    f = await engineFixture("ops-cleanup");
    const map = join(tmpdir(), `${f.dstBucket}-map.json`);
    writeFileSync(
      map,
      JSON.stringify([{ src_bucket: f.srcBucket, des_bucket: f.dstBucket, des_prefix: "copy" }]),
    );
    env = {
      ...readStackEnv(),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      ...overridesEnv({ ssm_parameter_bucket: `file:${map}` }),
    };
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
