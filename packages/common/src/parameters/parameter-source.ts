import { readFile } from "node:fs/promises";
import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import type { ParameterRef } from "../config/config-types.js";
import { awsErrorIs, ConfigError, FatalError } from "../errors.js";
import {
  type BucketMapping,
  parseBucketMap,
  parseCredentials,
  type SideCredentials,
} from "./parameter-documents.js";

/** The narrow SSM surface this module needs. */
export type SsmSend = Pick<SSMClient, "send">;

/**
 * Reads a parameter's text: SSM Parameter Store (SecureStrings decrypted) in AWS, a file
 * locally. This is the only seam between the two; nothing else knows where parameters live.
 *
 * @param ref - from the config: `{kind: "ssm", name}`, `{kind: "file", path}` or
 *   `{kind: "env", variable}`
 * @param ssm - used only for `ssm` references
 * @param env - the environment `env` references read @default process.env
 */
export async function readParameter(
  ref: ParameterRef,
  ssm: SsmSend | undefined,
  abortSignal?: AbortSignal,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<string> {
  if (ref.kind === "env") {
    const value = env[ref.variable];
    if (value === undefined || value === "") {
      throw new ConfigError("parameter variable not set", [
        {
          key: `env:${ref.variable}`,
          value: undefined,
          expected: "a non-empty environment variable",
        },
      ]);
    }
    return value;
  }
  if (ref.kind === "file") {
    try {
      return await readFile(ref.path, "utf8");
    } catch (err) {
      throw new ConfigError(
        "cannot read a parameter file",
        [{ key: `file:${ref.path}`, value: undefined, expected: "a readable file" }],
        { cause: err },
      );
    }
  }
  if (ssm === undefined) {
    throw new FatalError(`no SSM client to read parameter ${ref.name}`);
  }
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: ref.name, WithDecryption: true }), {
      abortSignal,
    });
    const value = out.Parameter?.Value;
    if (value === undefined) throw new FatalError(`SSM parameter ${ref.name} has no value`);
    return value;
  } catch (err) {
    if (err instanceof FatalError) throw err;
    if (awsErrorIs(err, "parameter-missing")) {
      throw new ConfigError(
        "SSM parameter not found",
        [{ key: ref.name, value: undefined, expected: "an existing SSM parameter in this region" }],
        { cause: err },
      );
    }
    const name = err instanceof Error ? err.name : String(err);
    throw new FatalError(`cannot read SSM parameter ${ref.name} (${name})`, { cause: err });
  }
}

function describeRef(ref: ParameterRef): string {
  if (ref.kind === "env") return `env:${ref.variable}`;
  return ref.kind === "file" ? `file:${ref.path}` : `ssm:${ref.name}`;
}

/** Reads and validates the bucket map. */
export async function loadBucketMap(
  ref: ParameterRef,
  ssm: SsmSend | undefined,
  abortSignal?: AbortSignal,
): Promise<BucketMapping[]> {
  return parseBucketMap(await readParameter(ref, ssm, abortSignal), describeRef(ref));
}

/** Reads and validates the access-key side's credentials. */
export async function loadCredentials(
  ref: ParameterRef,
  ssm: SsmSend | undefined,
  abortSignal?: AbortSignal,
  env?: Readonly<Record<string, string | undefined>>,
): Promise<SideCredentials> {
  return parseCredentials(await readParameter(ref, ssm, abortSignal, env), describeRef(ref));
}
