import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors.js";
import { parseBucketMap, parseCredentials } from "./parameter-documents.js";

const ENTRY = {
  src_bucket: "src-bucket",
  src_prefix: "data/",
  des_bucket: "dst-bucket",
  des_prefix: "",
};
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const CREDS = {
  aws_access_key_id: "AKIAEXAMPLE000000001",
  aws_secret_access_key: SECRET,
  region: "cn-north-1",
};

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("parseBucketMap", () => {
  it("reads the original tool's shape into mappings", () => {
    const second = { ...ENTRY, src_prefix: "", des_bucket: "other-bucket", des_prefix: "b" };
    expect(parseBucketMap(JSON.stringify([ENTRY, second]), "t")).toEqual([
      { srcBucket: "src-bucket", srcPrefix: "data/", desBucket: "dst-bucket", desPrefix: "" },
      { srcBucket: "src-bucket", srcPrefix: "", desBucket: "other-bucket", desPrefix: "b" },
    ]);
  });

  it("treats a missing prefix as the whole bucket", () => {
    const [m] = parseBucketMap(JSON.stringify([{ src_bucket: "aaa", des_bucket: "bbb" }]), "t");
    expect(m).toEqual({ srcBucket: "aaa", srcPrefix: "", desBucket: "bbb", desPrefix: "" });
  });

  it.each([
    ["not JSON", "[{", "bucket map t"],
    ["not a list", '{"src_bucket":"a"}', "bucket map"],
    ["an empty list", "[]", "bucket map"],
  ])("rejects %s", (_what, text, key) => {
    expect(configErrorOf(() => parseBucketMap(text, "t")).problems[0]?.key).toBe(key);
  });

  it("names the entry and every bad field", () => {
    const doc = [
      ENTRY,
      { src_bucket: "Bad_Name", des_bucket: 7, des_prefix: "/abs", extra: 1 },
      "x",
    ];
    const err = configErrorOf(() => parseBucketMap(JSON.stringify(doc), "ssm:p"));
    expect(err.problems.map((p) => p.key)).toEqual([
      "bucket map[1].extra",
      "bucket map[1].src_bucket",
      "bucket map[1].des_bucket",
      "bucket map[1].des_prefix",
      "bucket map[2]",
    ]);
    expect(err.message).toContain("invalid bucket map ssm:p");
  });

  it("reports a missing bucket as missing", () => {
    const err = configErrorOf(() => parseBucketMap('[{"src_bucket":"abc"}]', "t"));
    expect(err.problems).toEqual([
      expect.objectContaining({ key: "bucket map[0].des_bucket", value: undefined }),
    ]);
  });

  it.each([
    ["logs", "logs2"],
    ["logs/", "logs2/"],
    ["a/b", "a/bc"],
  ])("accepts destinations %j and %j: prefixes are folders", (one, two) => {
    const doc = [
      { ...ENTRY, des_prefix: one },
      { ...ENTRY, src_bucket: "src-two", des_prefix: two },
    ];
    expect(parseBucketMap(JSON.stringify(doc), "t")).toHaveLength(2);
  });

  it.each([
    ["logs", "logs/2024"],
    ["", "anything"],
    ["a/b/", "a/b"],
  ])("refuses destinations %j and %j, which share keys", (one, two) => {
    const doc = [
      { ...ENTRY, des_prefix: one },
      { ...ENTRY, src_bucket: "src-two", des_prefix: two },
    ];
    const err = configErrorOf(() => parseBucketMap(JSON.stringify(doc), "t"));
    expect(err.problems).toEqual([expect.objectContaining({ key: "bucket map[1].des_prefix" })]);
  });

  it("refuses two sources writing into overlapping destinations", () => {
    const doc = [ENTRY, { ...ENTRY, src_bucket: "src-two", des_prefix: "sub/" }];
    const err = configErrorOf(() => parseBucketMap(JSON.stringify(doc), "t"));
    expect(err.problems).toEqual([expect.objectContaining({ key: "bucket map[1].des_prefix" })]);
  });
});

describe("parseCredentials", () => {
  it("reads the SecureString shape, with an optional endpoint", () => {
    expect(
      parseCredentials(JSON.stringify({ ...CREDS, endpoint: "http://127.0.0.1:7481" }), "t"),
    ).toEqual({
      accessKeyId: "AKIAEXAMPLE000000001",
      secretAccessKey: SECRET,
      region: "cn-north-1",
      endpoint: "http://127.0.0.1:7481",
    });
  });

  it.each([
    ["aws_access_key_id", "key id"],
    ["aws_secret_access_key", "no spaces"],
    ["region", "AWS region"],
  ])("reports %s missing", (field, expected) => {
    const doc: Record<string, string> = { ...CREDS };
    delete doc[field];
    const err = configErrorOf(() => parseCredentials(JSON.stringify(doc), "t"));
    expect(err.problems).toEqual([
      expect.objectContaining({ key: `credentials.${field}`, value: undefined }),
    ]);
    expect(err.problems[0]?.expected).toContain(expected);
  });

  it("reports malformed fields without ever showing a secret", () => {
    const doc = {
      ...CREDS,
      aws_secret_access_key: `${SECRET} x`,
      region: "china",
      endpoint: "ftp://x",
      token: SECRET,
    };
    const err = configErrorOf(() => parseCredentials(JSON.stringify(doc), "t"));
    expect(err.problems.map((p) => p.key).sort()).toEqual(
      [
        "credentials.aws_secret_access_key",
        "credentials.endpoint",
        "credentials.region",
        "credentials.token",
      ].sort(),
    );
    expect(err.message).not.toContain(SECRET);
  });

  it("does not echo the document when it is not JSON", () => {
    const err = configErrorOf(() => parseCredentials(`{"aws_secret_access_key": "${SECRET}"`, "t"));
    expect(err.message).not.toContain(SECRET);
  });
});
