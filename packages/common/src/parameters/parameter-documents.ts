import { bucketNameProblem, REGION_PATTERN } from "../config/field-parsers.js";
import { ConfigError, type ConfigProblem } from "../errors.js";

/** One entry of the bucket map: copy everything under `srcBucket/srcPrefix` to `desBucket/desPrefix`. */
export interface BucketMapping {
  readonly srcBucket: string;
  readonly srcPrefix: string;
  readonly desBucket: string;
  readonly desPrefix: string;
}

/** The access-key side's credentials, as stored in the SSM SecureString. */
export interface SideCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  /** Endpoint override (S3-compatible services, the local stack). */
  readonly endpoint?: string | undefined;
}

const MAPPING_FIELDS = ["src_bucket", "src_prefix", "des_bucket", "des_prefix"] as const;
const CREDENTIAL_FIELDS = ["aws_access_key_id", "aws_secret_access_key", "region", "endpoint"];

/**
 * Parses and validates the bucket map: a JSON list of
 * `{src_bucket, src_prefix, des_bucket, des_prefix}`. Throws one ConfigError naming every bad
 * entry and field.
 *
 * @param text - the parameter's value
 * @param source - where it came from, for the error message
 * @example
 * parseBucketMap('[{"src_bucket":"a","src_prefix":"","des_bucket":"b","des_prefix":""}]', "file:x")
 */
export function parseBucketMap(text: string, source: string): BucketMapping[] {
  const doc = parseJson(text, `bucket map ${source}`, "a JSON list of bucket mappings");
  if (!Array.isArray(doc) || doc.length === 0) {
    throw new ConfigError(`invalid bucket map ${source}`, [
      {
        key: "bucket map",
        value: describe(doc),
        expected: "a non-empty JSON list of {src_bucket, src_prefix, des_bucket, des_prefix}",
      },
    ]);
  }
  const problems: ConfigProblem[] = [];
  const mappings: BucketMapping[] = [];
  doc.forEach((entry: unknown, i) => {
    const mapping = readMapping(entry, `bucket map[${i}]`, problems);
    if (mapping !== undefined) mappings.push(mapping);
  });
  if (problems.length > 0) throw new ConfigError(`invalid bucket map ${source}`, problems);
  problems.push(...overlapProblems(mappings));
  if (problems.length > 0) throw new ConfigError(`invalid bucket map ${source}`, problems);
  return mappings;
}

/** One bucket-map entry, its problems added to `problems` (`at` names it in them). */
function readMapping(
  entry: unknown,
  at: string,
  problems: ConfigProblem[],
): BucketMapping | undefined {
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
    problems.push({ key: at, value: describe(entry), expected: "an object" });
    return undefined;
  }
  const e = entry as Record<string, unknown>;
  for (const field of Object.keys(e)) {
    if (!(MAPPING_FIELDS as readonly string[]).includes(field)) {
      problems.push({
        key: `${at}.${field}`,
        value: describe(e[field]),
        expected: `one of ${MAPPING_FIELDS.join(", ")}`,
      });
    }
  }
  const bucket = (field: "src_bucket" | "des_bucket"): string => {
    const v = e[field];
    const why = typeof v === "string" ? bucketNameProblem(v) : "an S3 bucket name (a string)";
    if (why) problems.push({ key: `${at}.${field}`, value: describe(v), expected: why });
    return typeof v === "string" ? v : "";
  };
  const prefix = (field: "src_prefix" | "des_prefix"): string => {
    const v = e[field] ?? "";
    if (typeof v !== "string" || Buffer.byteLength(v) > 1024 || v.startsWith("/")) {
      problems.push({
        key: `${at}.${field}`,
        value: describe(v),
        expected:
          'a key prefix string ("" for the whole bucket, no leading "/", at most 1,024 bytes)',
      });
      return "";
    }
    return v;
  };
  return {
    srcBucket: bucket("src_bucket"),
    srcPrefix: prefix("src_prefix"),
    desBucket: bucket("des_bucket"),
    desPrefix: prefix("des_prefix"),
  };
}

/** Entries whose destination overlaps an earlier entry's: two sources would overwrite each other. */
function overlapProblems(mappings: readonly BucketMapping[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  mappings.forEach((m, i) => {
    const j = mappings.findIndex(
      (o, k) => k < i && overlaps(o.desBucket, o.desPrefix, m.desBucket, m.desPrefix),
    );
    if (j >= 0) {
      problems.push({
        key: `bucket map[${i}].des_prefix`,
        value: `${m.desBucket}/${m.desPrefix}`,
        expected: `a destination that does not overlap bucket map[${j}] (${mappings[j]?.desBucket}/${mappings[j]?.desPrefix}); two sources would overwrite each other`,
      });
    }
  });
  return problems;
}

/**
 * Parses and validates the credentials document
 * `{aws_access_key_id, aws_secret_access_key, region, endpoint?}`. Errors name the field and
 * never show a key's value.
 */
export function parseCredentials(text: string, source: string): SideCredentials {
  const doc = parseJson(text, `credentials ${source}`, "a JSON object", false);
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new ConfigError(`invalid credentials ${source}`, [
      {
        key: "credentials",
        value: describe(doc),
        expected: "a JSON object with aws_access_key_id, aws_secret_access_key, region",
      },
    ]);
  }
  const d = doc as Record<string, unknown>;
  const problems: ConfigProblem[] = [];
  for (const field of Object.keys(d)) {
    if (!CREDENTIAL_FIELDS.includes(field)) {
      problems.push({
        key: `credentials.${field}`,
        value: "(hidden)",
        expected: `one of ${CREDENTIAL_FIELDS.join(", ")}`,
      });
    }
  }
  const accessKeyId = secretField(
    d,
    "aws_access_key_id",
    /^[A-Z0-9]{16,128}$/,
    "an access key id (16-128 characters A-Z, 0-9)",
    problems,
  );
  const secretAccessKey = secretField(
    d,
    "aws_secret_access_key",
    /^\S{16,128}$/,
    "a secret access key (16-128 characters, no spaces)",
    problems,
  );
  problems.push(...regionAndEndpointProblems(d));
  if (problems.length > 0) throw new ConfigError(`invalid credentials ${source}`, problems);
  return {
    accessKeyId,
    secretAccessKey,
    region: d.region as string,
    endpoint: d.endpoint as string | undefined,
  };
}

/** A secret field of the credentials document; a problem never shows its value. */
function secretField(
  d: Record<string, unknown>,
  field: string,
  pattern: RegExp,
  expected: string,
  problems: ConfigProblem[],
): string {
  const v = d[field];
  if (typeof v !== "string" || !pattern.test(v)) {
    problems.push({
      key: `credentials.${field}`,
      value: v === undefined ? undefined : "(hidden)",
      expected,
    });
    return "";
  }
  return v;
}

/** The credentials document's `region` (required) and `endpoint` (optional) problems. */
function regionAndEndpointProblems(d: Record<string, unknown>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const region = d.region;
  if (typeof region !== "string" || !REGION_PATTERN.test(region)) {
    problems.push({
      key: "credentials.region",
      value: describe(region),
      expected: "an AWS region such as cn-north-1 or us-east-1",
    });
  }
  const endpoint = d.endpoint;
  if (
    endpoint !== undefined &&
    (typeof endpoint !== "string" || !/^https?:\/\/[^\s/]+/.test(endpoint))
  ) {
    problems.push({
      key: "credentials.endpoint",
      value: describe(endpoint),
      expected: "an http:// or https:// URL, or no endpoint field",
    });
  }
  return problems;
}

function parseJson(text: string, what: string, expected: string, showText = true): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new ConfigError(
      `invalid ${what}`,
      [
        {
          key: what,
          value: showText ? text.slice(0, 80) : "(hidden)",
          expected: `${expected} (${detail})`,
        },
      ],
      { cause: err },
    );
  }
}

/**
 * Whether two destinations share keys. Prefixes act as folders (keys are copied to
 * `prefix/key`), so `logs` and `logs2` are apart while `logs` and `logs/2024` overlap.
 */
function overlaps(b1: string, p1: string, b2: string, p2: string): boolean {
  const folder = (p: string) => (p === "" || p.endsWith("/") ? p : `${p}/`);
  const [f1, f2] = [folder(p1), folder(p2)];
  return b1 === b2 && (f1.startsWith(f2) || f2.startsWith(f1));
}

function describe(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  const text = typeof v === "string" ? v : JSON.stringify(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
