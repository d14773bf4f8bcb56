import { describe, expect, it } from "vitest";
import { MessageError } from "../errors.js";
import { EVENT_DESTINATION, KEY_CASES, s3Event } from "../testing/job-message-fixtures.js";
import { sequencerOrder } from "./event-routing.js";
import { parseJobMessage } from "./job-message.js";

/** How S3 writes keys into event notifications: form-encoded, space as '+'. */
function s3EncodeKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, "+").replace(/%2F/g, "/");
}

describe("parseJobMessage", () => {
  it.each(KEY_CASES)(
    "decodes the S3 event key %s and maps it under the default prefix",
    (_label, key) => {
      const parsed = parseJobMessage(
        s3Event([{ key: s3EncodeKey(key), size: 7 }]),
        EVENT_DESTINATION,
      );
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
            sequencer: sequencerOrder("00"),
          },
        ],
      });
    },
  );

  it("reads '+' in an event key as a space and %2B as a plus", () => {
    const parsed = parseJobMessage(s3Event([{ key: "a+b%2Bc" }]), EVENT_DESTINATION);
    expect(parsed.kind === "jobs" && parsed.jobs[0]?.srcKey).toBe("a b+c");
  });

  it("returns every ObjectCreated record of one event and skips removals", () => {
    const body = s3Event([
      { key: "one" },
      { key: "gone", eventName: "ObjectRemoved:Delete" },
      { key: "two", eventName: "ObjectCreated:CompleteMultipartUpload" },
    ]);
    const parsed = parseJobMessage(body, EVENT_DESTINATION);
    expect(parsed.kind === "jobs" && parsed.jobs.map((j) => j.srcKey)).toEqual(["one", "two"]);
  });

  it("unwraps an event delivered through SNS", () => {
    const body = JSON.stringify({ Type: "Notification", Message: s3Event([{ key: "k" }]) });
    expect(parseJobMessage(body, EVENT_DESTINATION).kind).toBe("jobs");
  });

  it("ignores the S3 test event and events with only removals", () => {
    const test = JSON.stringify({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: "b" });
    expect(parseJobMessage(test, EVENT_DESTINATION)).toEqual({
      kind: "ignore",
      reason: "s3:TestEvent",
    });
    const removal = s3Event([{ key: "k", eventName: "ObjectRemoved:Delete" }]);
    expect(parseJobMessage(removal, EVENT_DESTINATION).kind).toBe("ignore");
  });

  it("copies the good records of an event and returns the bad ones with their index and problem", () => {
    // Prepare: 300 records; one without a key, one with a key that is not URL encoding.
    const records = Array.from({ length: 300 }, (_, i) => ({ key: `k/${i}` }));
    const parsed = JSON.parse(s3Event(records));
    delete parsed.Records[17].s3.object.key;
    parsed.Records[240].s3.object.key = "bad%E0%A4%A";
    // Act
    const result = parseJobMessage(JSON.stringify(parsed), EVENT_DESTINATION);
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
    const result = parseJobMessage(JSON.stringify(doc), EVENT_DESTINATION);
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
    expect(
      parseJobMessage(s3Event([{ key: "a" }, { key: "b" }]), EVENT_DESTINATION),
    ).not.toHaveProperty("rejected");
  });

  it("throws a MessageError naming the problems when no record of an event can be copied", () => {
    // Prepare: two bad creations and a removal (nothing to copy, something wrong).
    const body = s3Event([
      { key: "bad%E0" },
      { key: "gone", eventName: "ObjectRemoved:Delete" },
      { key: "bad%ZZ" },
    ]);
    // Act / Assess
    expect(() => parseJobMessage(body, EVENT_DESTINATION)).toThrow(MessageError);
    expect(() => parseJobMessage(body, EVENT_DESTINATION)).toThrow(
      /no record that can be copied \(2 of 3 rejected\): S3 event Records\[0\].*; S3 event Records\[2\]/,
    );
  });

  it("returns records no destination takes as unrouted, when no default is configured", () => {
    const parsed = parseJobMessage(s3Event([{ key: "k" }]), {
      desBucketDefault: "",
      desPrefixDefault: "",
    });
    expect(parsed).toEqual({
      kind: "jobs",
      jobs: [],
      unrouted: [{ index: 0, bucket: "src-bucket", key: "k" }],
    });
  });
});
