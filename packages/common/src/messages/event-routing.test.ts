import { describe, expect, it } from "vitest";
import type { BucketMapping } from "../parameters/parameter-documents.js";
import { type EventRouting, routeEvent, sequencerOrder } from "./event-routing.js";
import { parseJobMessage } from "./job-message.js";

/** AWS's documented EventBridge "Object Created" event (S3 user guide, EventBridge message structure). */
const EVENTBRIDGE_CREATED = {
  version: "0",
  id: "17793124-05d4-b198-2fde-7ededc63b103",
  "detail-type": "Object Created",
  source: "aws.s3",
  account: "111122223333",
  time: "2021-11-12T00:00:00Z",
  region: "ca-central-1",
  resources: ["arn:aws:s3:::amzn-s3-demo-bucket1"],
  detail: {
    version: "0",
    bucket: { name: "amzn-s3-demo-bucket1" },
    object: {
      key: "example-key",
      size: 5,
      etag: "b1946ac92492d2347c6235b4d2611184",
      "version-id": "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e",
      sequencer: "617f08299329d189",
    },
    "request-id": "N4N7GDK58NMKJ12R",
    requester: "123456789012",
    "source-ip-address": "1.2.3.4",
    reason: "PutObject",
  },
};

const entry = (srcBucket: string, srcPrefix: string, desBucket: string, desPrefix: string) =>
  ({ srcBucket, srcPrefix, desBucket, desPrefix }) satisfies BucketMapping;

const MAP: EventRouting = {
  desBucketDefault: "",
  desPrefixDefault: "",
  bucketMap: [
    entry("logs", "", "dst-all", "logs"),
    entry("logs", "2024", "dst-2024", ""),
    entry("logs", "2024/eu/", "dst-eu", "eu-copy/"),
    entry("media", "raw", "dst-media", "m"),
  ],
};

describe("routeEvent", () => {
  it("takes the entry with the longest matching source prefix, mapping keys as the jobsender does", () => {
    expect(routeEvent(MAP, "logs", "2023/a.gz")).toEqual({
      dstBucket: "dst-all",
      dstKey: "logs/2023/a.gz",
    });
    expect(routeEvent(MAP, "logs", "2024/us/b.gz")).toEqual({
      dstBucket: "dst-2024",
      dstKey: "us/b.gz",
    });
    expect(routeEvent(MAP, "logs", "2024/eu/c.gz")).toEqual({
      dstBucket: "dst-eu",
      dstKey: "eu-copy/c.gz",
    });
  });

  it("matches a prefix as a folder: raw covers raw/x, not rawhide/x", () => {
    expect(routeEvent(MAP, "media", "raw/x.mov")).toEqual({
      dstBucket: "dst-media",
      dstKey: "m/x.mov",
    });
    expect(routeEvent(MAP, "media", "rawhide/x.mov")).toBeUndefined();
  });

  it("falls back to the default destination, and to nothing when it is empty", () => {
    const withDefault = { ...MAP, desBucketDefault: "fallback", desPrefixDefault: "ev" };
    expect(routeEvent(withDefault, "other", "k")).toEqual({
      dstBucket: "fallback",
      dstKey: "ev/k",
    });
    expect(routeEvent(MAP, "other", "k")).toBeUndefined();
  });
});

describe("sequencerOrder", () => {
  it("orders sequencers of different lengths as S3 does: right-padded, then compared", () => {
    const older = sequencerOrder("617f08299329d189");
    const newer = sequencerOrder("617f08299329d18A00");
    expect(older < newer).toBe(true);
    expect(sequencerOrder("0A") > sequencerOrder("09FF")).toBe(true);
  });
});

describe("EventBridge S3 events", () => {
  const routing = {
    ...MAP,
    bucketMap: [entry("amzn-s3-demo-bucket1", "", "china-dst", "from-global")],
  };

  it("turn AWS's documented Object Created event into one routed job, key as written", () => {
    const body = JSON.stringify({
      ...EVENTBRIDGE_CREATED,
      detail: {
        ...EVENTBRIDGE_CREATED.detail,
        object: { ...EVENTBRIDGE_CREATED.detail.object, key: "a+b %2B/中文.txt" },
      },
    });
    expect(parseJobMessage(body, routing)).toEqual({
      kind: "jobs",
      jobs: [
        {
          srcBucket: "amzn-s3-demo-bucket1",
          srcKey: "a+b %2B/中文.txt",
          dstBucket: "china-dst",
          dstKey: "from-global/a+b %2B/中文.txt",
          size: 5,
          etag: "b1946ac92492d2347c6235b4d2611184",
          versionId: "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e",
          sequencer: sequencerOrder("617f08299329d189"),
        },
      ],
    });
  });

  it("ignore other detail types, naming them", () => {
    const deleted = { ...EVENTBRIDGE_CREATED, "detail-type": "Object Deleted" };
    expect(parseJobMessage(JSON.stringify(deleted), routing)).toEqual({
      kind: "ignore",
      reason: 'EventBridge S3 event "Object Deleted"',
    });
  });

  it("report an object no entry takes as unrouted", () => {
    expect(parseJobMessage(JSON.stringify(EVENTBRIDGE_CREATED), MAP)).toEqual({
      kind: "jobs",
      jobs: [],
      unrouted: [{ index: 0, bucket: "amzn-s3-demo-bucket1", key: "example-key" }],
    });
  });

  it("refuse an Object Created event without a key, naming the field", () => {
    const body = JSON.stringify({ ...EVENTBRIDGE_CREATED, detail: { bucket: { name: "b" } } });
    expect(() => parseJobMessage(body, routing)).toThrow(
      "EventBridge event detail.object.key is missing",
    );
  });
});
