import { describe, expect, it } from "vitest";
import { MessageError } from "../errors.js";
import { EVENT_DESTINATION, HOSTILE_KEYS } from "../testing/job-message-fixtures.js";
import { parseJobMessage } from "./job-message.js";
import { formatSliceMessage, type SliceJob, sliceParts } from "./slice-message.js";

const MIB = 1024 * 1024;

/** Slice 3 of an object of 10 parts of 5 MiB (the last one 1 byte), 4 parts per slice. */
const SLICE: SliceJob = {
  job: {
    srcBucket: "s",
    srcKey: "giant.bin",
    dstBucket: "d",
    dstKey: "p/giant.bin",
    size: 9 * 5 * MIB + 1,
    versionId: undefined,
  },
  uploadId: "u-1",
  slice: 3,
  slices: 3,
  partSize: 5 * MIB,
  sliceParts: 4,
  sourceEtag: "0123456789abcdef0123456789abcdef-10",
  sourceVersionId: undefined,
  mirror: false,
};

describe("slice messages", () => {
  it("round-trip through the parser, every field kept", () => {
    const versioned = { ...SLICE, sourceVersionId: "v7", mirror: true };
    for (const slice of [SLICE, versioned]) {
      expect(parseJobMessage(formatSliceMessage(slice), EVENT_DESTINATION)).toEqual({
        kind: "slice",
        slice,
      });
    }
  });

  it("travel as pure ASCII whatever the key holds", () => {
    for (const key of HOSTILE_KEYS) {
      const slice = { ...SLICE, job: { ...SLICE.job, srcKey: key, dstKey: key } };
      const body = formatSliceMessage(slice);
      expect(body).toMatch(/^[\x20-\x7e]*$/);
      expect(parseJobMessage(body, EVENT_DESTINATION)).toEqual({ kind: "slice", slice });
    }
  });

  it("name their parts: the last slice holds the parts that are left", () => {
    expect(sliceParts({ ...SLICE, slice: 1 })).toEqual({ first: 1, last: 4 });
    expect(sliceParts(SLICE)).toEqual({ first: 9, last: 10 });
  });

  it("are refused with every wrong field named", () => {
    const body = JSON.parse(formatSliceMessage(SLICE));
    const bad = JSON.stringify({ ...body, UploadId: "", Slice: 0, PartSize: 1.5 });
    expect(() => parseJobMessage(bad, EVENT_DESTINATION)).toThrow(
      new MessageError(
        "invalid slice message: UploadId must be a non-empty string; Slice must be a whole number ≥ 1; PartSize must be a whole number ≥ 1",
      ),
    );
  });

  it("are refused when the slice lies beyond the object", () => {
    const body = JSON.parse(formatSliceMessage(SLICE));
    const beyond = JSON.stringify({ ...body, Slice: 4 });
    const empty = JSON.stringify({ ...body, Slice: 3, Slices: 5, SliceParts: 5 });
    expect(() => parseJobMessage(beyond, EVENT_DESTINATION)).toThrow(/Slice 4 is beyond Slices 3/);
    expect(() => parseJobMessage(empty, EVENT_DESTINATION)).toThrow(/holds no part/);
  });

  it("refuse a message kind the worker does not know", () => {
    const body = JSON.stringify({ ...JSON.parse(formatSliceMessage(SLICE)), Kind: "chunk" });
    expect(() => parseJobMessage(body, EVENT_DESTINATION)).toThrow(
      'message Kind "chunk" is unknown (expected "slice")',
    );
  });
});
