import { describe, expect, it } from "vitest";
import { MessageError } from "../errors.js";
import {
  EVENT_DESTINATION,
  HOSTILE_KEYS,
  KEY_CASES,
  s3Event,
} from "../testing/job-message-fixtures.js";
import { joinKey } from "./event-routing.js";
import { formatJobMessage, parseJobMessage } from "./job-message.js";

describe("parseJobMessage", () => {
  it.each(KEY_CASES)("round-trips a jobsender job with key %s", (_label, key) => {
    const job = { srcBucket: "s", srcKey: key, dstBucket: "d", dstKey: key, size: 42 };
    expect(parseJobMessage(formatJobMessage(job), EVENT_DESTINATION)).toEqual({
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
    expect(parseJobMessage(body, EVENT_DESTINATION)).toEqual({
      kind: "jobs",
      jobs: [
        { srcBucket: "s", srcKey: "k", dstBucket: "d", dstKey: "k", size: 0, versionId: undefined },
      ],
    });
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
    expect(() => parseJobMessage(body, EVENT_DESTINATION)).toThrow(MessageError);
    expect(() => parseJobMessage(body, EVENT_DESTINATION)).toThrow(pattern);
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
