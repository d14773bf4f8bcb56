import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { describe, expect, it } from "vitest";
import { ConfigError, FatalError } from "../errors.js";
import { loadBucketMap, loadCredentials, readParameter, type SsmSend } from "./parameter-source.js";

const MAP = '[{"src_bucket":"src","src_prefix":"","des_bucket":"dst","des_prefix":""}]';
const CREDS = JSON.stringify({
  aws_access_key_id: "AKIAEXAMPLE000000001",
  aws_secret_access_key: "secretsecretsecretsecret",
  region: "cn-north-1",
});

/** A fake SSM client: answers GetParameter from a map and records what was asked. */
function fakeSsm(values: Record<string, string>): SsmSend & { calls: unknown[] } {
  const calls: unknown[] = [];
  const send = async (command: unknown) => {
    if (!(command instanceof GetParameterCommand)) throw new Error("unexpected command");
    calls.push(command.input);
    const value = values[command.input.Name ?? ""];
    if (value === undefined) {
      throw Object.assign(new Error("not found"), { name: "ParameterNotFound" });
    }
    return { Parameter: { Value: value } };
  };
  return { send: send as unknown as SsmSend["send"], calls };
}

describe("readParameter", () => {
  it("reads SSM parameters with decryption", async () => {
    const ssm = fakeSsm({ s3_migration_credentials: CREDS });
    const creds = await loadCredentials({ kind: "ssm", name: "s3_migration_credentials" }, ssm);
    expect(creds.region).toBe("cn-north-1");
    expect(ssm.calls).toEqual([{ Name: "s3_migration_credentials", WithDecryption: true }]);
  });

  it("reads env: parameters from the given environment, without touching SSM", async () => {
    const ssm = fakeSsm({});
    const ref = { kind: "env", variable: "S3MIG_CREDENTIALS" } as const;
    const creds = await loadCredentials(ref, ssm, undefined, { S3MIG_CREDENTIALS: CREDS });
    expect(creds.region).toBe("cn-north-1");
    expect(ssm.calls).toEqual([]);
  });

  it("refuses an env: parameter whose variable is not set, naming it", async () => {
    const ref = { kind: "env", variable: "S3MIG_CREDENTIALS" } as const;
    const read = readParameter(ref, undefined, undefined, {});
    await expect(read).rejects.toThrow(ConfigError);
    await expect(read).rejects.toThrow(/env:S3MIG_CREDENTIALS/);
  });

  it("reads file: parameters without touching SSM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s3mig-param-"));
    writeFileSync(join(dir, "buckets.json"), MAP);
    const ssm = fakeSsm({});
    const map = await loadBucketMap({ kind: "file", path: join(dir, "buckets.json") }, ssm);
    expect(map).toEqual([{ srcBucket: "src", srcPrefix: "", desBucket: "dst", desPrefix: "" }]);
    expect(ssm.calls).toEqual([]);
  });

  it("names a missing file", async () => {
    await expect(
      readParameter({ kind: "file", path: "/no/such/file.json" }, undefined),
    ).rejects.toThrow(/file:\/no\/such\/file.json: missing; expected a readable file/);
  });

  it("names a missing SSM parameter as a configuration error", async () => {
    const err = await readParameter({ kind: "ssm", name: "nope" }, fakeSsm({})).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(String(err.message)).toContain("nope: missing; expected an existing SSM parameter");
  });

  it("turns other SSM failures into a fatal error with the cause", async () => {
    const denied = Object.assign(new Error("denied"), { name: "AccessDeniedException" });
    const ssm: SsmSend = {
      send: (async () => {
        throw denied;
      }) as unknown as SsmSend["send"],
    };
    const err = await readParameter({ kind: "ssm", name: "p" }, ssm).catch((e) => e);
    expect(err).toBeInstanceOf(FatalError);
    expect(err.cause).toBe(denied);
  });
});
