import { describe, expect, it } from "vitest";
import { MessageError } from "../errors.js";
import { formatJobMessage, joinKey, parseJobMessage } from "./job-message.js";

const EVENTS = { desBucketDefault: "dst-bucket", desPrefixDefault: "from-events" };
const HOSTILE_KEYS = [
  "plain.txt",
  "中文/文件 名.bin",
  "emoji/😀🚀.dat",
  "spaces in key .txt",
  "a+b+c.txt",
  "100%/%2B%20literal.txt",
  "trailing/slash/",
  "tab\tand\nnewline",
  `${"k".repeat(1001)}/${"é".repeat(11)}`, // exactly 1,024 bytes, the S3 maximum
];
/** [label, key]: long keys get a short label so test names stay readable. */
const KEY_CASES = HOSTILE_KEYS.map((k) => [
  k.length > 40 ? `${k.slice(0, 8)}… (${Buffer.byteLength(k)} bytes)` : JSON.stringify(k),
  k,
]);

function s3Event(records: { key: string; size?: number; eventName?: string }[]): string {
  return JSON.stringify({
    Records: records.map((r) => ({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      eventName: r.eventName ?? "ObjectCreated:Put",
      s3: {
        bucket: { name: "src-bucket" },
        object: { key: r.key, size: r.size ?? 10, eTag: "0123abcd", sequencer: "00" },
      },
    })),
  });
}

/** How S3 writes keys into event notifications: form-encoded, space as '+'. */
function s3EncodeKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, "+").replace(/%2F/g, "/");
}

describe("parseJobMessage", () => {
  it.each(KEY_CASES)("round-trips a jobsender job with key %s", (_label, key) => {
    const job = { srcBucket: "s", srcKey: key, dstBucket: "d", dstKey: key, size: 42 };
    expect(parseJobMessage(formatJobMessage(job), EVENTS)).toEqual({
      kind: "jobs",
      jobs: [{ ...job, versionId: undefined }],
    });
  });

  it("writes pure ASCII, whatever the key holds", () => {
    for (const key of HOSTILE_KEYS) {
      const body = formatJobMessage({
        srcBucket: "s",
        srcKey: key,
        dstBucket: "d",
        dstKey: key,
        size: 1,
      });
      expect(body).toMatch(/^[\x20-\x7e]*$/);
    }
  });

  it('reads the original tool\'s messages, including versionId "null"', () => {
    const body =
      '{"Src_bucket":"s","Src_key":"k","Des_bucket":"d","Des_key":"k","Size":0,"versionId":"null"}';
    expect(parseJobMessage(body, EVENTS)).toEqual({
      kind: "jobs",
      jobs: [
        { srcBucket: "s", srcKey: "k", dstBucket: "d", dstKey: "k", size: 0, versionId: undefined },
      ],
    });
  });

  it.each(KEY_CASES)(
    "decodes the S3 event key %s and maps it under the default prefix",
    (_label, key) => {
      const parsed = parseJobMessage(s3Event([{ key: s3EncodeKey(key), size: 7 }]), EVENTS);
      expect(parsed).toEqual({
        kind: "jobs",
        jobs: [
          {
            srcBucket: "src-bucket",
            srcKey: key,
            dstBucket: "dst-bucket",
            dstKey: `from-events/${key}`,
            size: 7,
            versionId: undefined,
            etag: "0123abcd",
          },
        ],
      });
    },
  );

  it("reads '+' in an event key as a space and %2B as a plus", () => {
    const parsed = parseJobMessage(s3Event([{ key: "a+b%2Bc" }]), EVENTS);
    expect(parsed.kind === "jobs" && parsed.jobs[0]?.srcKey).toBe("a b+c");
  });

  it("returns every ObjectCreated record of one event and skips removals", () => {
    const body = s3Event([
      { key: "one" },
      { key: "gone", eventName: "ObjectRemoved:Delete" },
      { key: "two", eventName: "ObjectCreated:CompleteMultipartUpload" },
    ]);
    const parsed = parseJobMessage(body, EVENTS);
    expect(parsed.kind === "jobs" && parsed.jobs.map((j) => j.srcKey)).toEqual(["one", "two"]);
  });

  it("unwraps an event delivered through SNS", () => {
    const body = JSON.stringify({ Type: "Notification", Message: s3Event([{ key: "k" }]) });
    expect(parseJobMessage(body, EVENTS).kind).toBe("jobs");
  });

  it("ignores the S3 test event and events with only removals", () => {
    const test = JSON.stringify({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: "b" });
    expect(parseJobMessage(test, EVENTS)).toEqual({ kind: "ignore", reason: "s3:TestEvent" });
    const removal = s3Event([{ key: "k", eventName: "ObjectRemoved:Delete" }]);
    expect(parseJobMessage(removal, EVENTS).kind).toBe("ignore");
  });

  it("copies the good records of an event and returns the bad ones with their index and problem", () => {
    // Prepare: 300 records; one without a key, one with a key that is not URL encoding.
    const records = Array.from({ length: 300 }, (_, i) => ({ key: `k/${i}` }));
    const parsed = JSON.parse(s3Event(records));
    delete parsed.Records[17].s3.object.key;
    parsed.Records[240].s3.object.key = "bad%E0%A4%A";
    // Act
    const result = parseJobMessage(JSON.stringify(parsed), EVENTS);
    // Assess
    expect(result.kind === "jobs" && result.jobs).toHaveLength(298);
    expect(result.kind === "jobs" && result.jobs.map((j) => j.srcKey)).not.toContain("k/240");
    const rejected = result.kind === "jobs" ? (result.rejected ?? []) : [];
    expect(rejected.map((r) => [r.index, r.error.name, r.error.message])).toEqual([
      [17, "MessageError", "S3 event Records[17].s3.object.key is missing"],
      [
        240,
        "MessageError",
        expect.stringMatching(
          /^S3 event Records\[240\]\.s3\.object\.key: .*URL encoding.*bad%E0%A4%A/,
        ),
      ],
    ]);
  });

  it.each([
    ["a record that is not an object", "just a string", /Records\[1\] is not an object/],
    [
      "a record without a bucket",
      { eventName: "ObjectCreated:Put", s3: { object: { key: "k", size: 1 } } },
      /Records\[1\]\.s3\.bucket\.name is missing/,
    ],
    [
      "a record with a negative size",
      {
        eventName: "ObjectCreated:Put",
        s3: { bucket: { name: "b" }, object: { key: "k", size: -1 } },
      },
      /Records\[1\]\.s3\.object\.size/,
    ],
  ])("rejects only %s, keeping the rest of the event", (_what, bad, pattern) => {
    // Prepare
    const doc = JSON.parse(s3Event([{ key: "good-0" }, { key: "x" }, { key: "good-2" }]));
    doc.Records[1] = bad;
    // Act
    const result = parseJobMessage(JSON.stringify(doc), EVENTS);
    // Assess
    expect(result.kind === "jobs" && result.jobs.map((j) => j.srcKey)).toEqual([
      "good-0",
      "good-2",
    ]);
    const rejected = result.kind === "jobs" ? (result.rejected ?? []) : [];
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.index).toBe(1);
    expect(rejected[0]?.error.message).toMatch(pattern);
  });

  it("returns no rejected list for an event whose records are all good", () => {
    expect(parseJobMessage(s3Event([{ key: "a" }, { key: "b" }]), EVENTS)).not.toHaveProperty(
      "rejected",
    );
  });

  it("throws a MessageError naming the problems when no record of an event can be copied", () => {
    // Prepare: two bad creations and a removal (nothing to copy, something wrong).
    const body = s3Event([
      { key: "bad%E0" },
      { key: "gone", eventName: "ObjectRemoved:Delete" },
      { key: "bad%ZZ" },
    ]);
    // Act / Assess
    expect(() => parseJobMessage(body, EVENTS)).toThrow(MessageError);
    expect(() => parseJobMessage(body, EVENTS)).toThrow(
      /no record that can be copied \(2 of 3 rejected\): S3 event Records\[0\].*; S3 event Records\[2\]/,
    );
  });

  it.each([
    ["not JSON", "{oops", /not JSON/],
    ["a JSON array", "[1]", /not a JSON object/],
    ["an unknown shape", '{"hello":1}', /neither a job/],
    [
      "a job without Des_key",
      '{"Src_bucket":"s","Src_key":"k","Des_bucket":"d","Size":1}',
      /Des_key/,
    ],
    [
      "a negative size",
      '{"Src_bucket":"s","Src_key":"k","Des_bucket":"d","Des_key":"k","Size":-1}',
      /Size/,
    ],
    [
      "a string size",
      '{"Src_bucket":"s","Src_key":"k","Des_bucket":"d","Des_key":"k","Size":"1"}',
      /Size/,
    ],
    [
      "a key over 1,024 bytes",
      formatJobMessage({
        srcBucket: "s",
        srcKey: "é".repeat(513),
        dstBucket: "d",
        dstKey: "k",
        size: 1,
      }),
      /1024 bytes/,
    ],
    ["an event without records", '{"Records":[]}', /no Records/],
    [
      "an event record without a key",
      '{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"size":1}}}]}',
      /key is missing/,
    ],
    ["an event key with broken escapes", s3Event([{ key: "bad%E0%A4%A" }]), /URL encoding/],
  ])("throws a MessageError for %s", (_what, body, pattern) => {
    expect(() => parseJobMessage(body, EVENTS)).toThrow(MessageError);
    expect(() => parseJobMessage(body, EVENTS)).toThrow(pattern);
  });

  it("refuses S3 events when no default destination is configured", () => {
    expect(() =>
      parseJobMessage(s3Event([{ key: "k" }]), { desBucketDefault: "", desPrefixDefault: "" }),
    ).toThrow(/Des_bucket_default/);
  });
});

describe("joinKey", () => {
  it.each([
    ["", "a/b", "a/b"],
    ["p", "a", "p/a"],
    ["p/", "a", "p/a"],
    ["p/", "dir/", "p/dir/"],
    ["p", "/lead", "p//lead"],
  ])("joins %j and %j as %j", (prefix, key, expected) => {
    expect(joinKey(prefix, key)).toBe(expected);
  });
});
