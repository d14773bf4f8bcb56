import { describe, expect, it } from "vitest";
import {
  awsErrorIs,
  ConfigError,
  classifyAwsError,
  FatalError,
  MessageError,
  ObjectError,
  RetryableError,
} from "./errors.js";

/** An error shaped like the SDK's service exceptions. */
function sdkError(name: string, status?: number, retryable?: boolean): Error {
  return Object.assign(new Error("UnknownError"), {
    name,
    $metadata: { httpStatusCode: status },
    ...(retryable ? { $retryable: {} } : {}),
  });
}

describe("classifyAwsError", () => {
  it.each([
    ["NoSuchKey", 404, "object"],
    ["NoSuchBucket", 404, "object"],
    ["AccessDenied", 403, "object"],
    ["PreconditionFailed", 412, "object"],
    ["InvalidObjectName", 400, "object"],
    ["KeyTooLongError", 400, "object"],
    ["InvalidAccessKeyId", 403, "fatal"],
    ["SignatureDoesNotMatch", 403, "fatal"],
    ["ExpiredToken", 400, "fatal"],
    ["QueueDoesNotExist", 400, "fatal"],
    ["ResourceNotFoundException", 400, "fatal"],
    ["BadDigest", 400, "retryable"],
    ["SlowDown", 503, "retryable"],
    ["InternalError", 500, "retryable"],
    ["NoSuchUpload", 404, "retryable"],
    ["SomethingNew", 503, "retryable"],
    ["SomethingNew", 403, "object"],
    ["SomethingNew", undefined, "retryable"],
  ])("classifies %s (HTTP %s) as %s", (name, status, expected) => {
    expect(classifyAwsError(sdkError(name, status))).toBe(expected);
  });

  it("trusts the SDK's $retryable flag", () => {
    expect(classifyAwsError(sdkError("Weird", 400, true))).toBe("retryable");
  });

  it("treats socket errors as retryable", () => {
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    expect(classifyAwsError(reset)).toBe("retryable");
  });

  it("maps our own error classes to their meaning", () => {
    expect(classifyAwsError(new ObjectError("gone"))).toBe("object");
    expect(classifyAwsError(new FatalError("no table"))).toBe("fatal");
    expect(classifyAwsError(new ConfigError("bad", []))).toBe("fatal");
    expect(classifyAwsError(new RetryableError("later"))).toBe("retryable");
    expect(classifyAwsError(new MessageError("poison"))).toBe("retryable");
    expect(classifyAwsError("a string")).toBe("retryable");
  });

  it("keeps the SDK error as cause", () => {
    const cause = sdkError("NoSuchKey", 404);
    expect(new ObjectError("source object is gone", { cause }).cause).toBe(cause);
  });
});

describe("awsErrorIs", () => {
  it.each([
    ["PreconditionFailed", 412, "precondition-failed", true],
    ["Http412", 412, "precondition-failed", true],
    ["NoSuchKey", 404, "precondition-failed", false],
    ["NoSuchUpload", 404, "upload-gone", true],
    ["NoSuchKey", 404, "upload-gone", true],
    ["AccessDenied", 403, "upload-gone", false],
    ["InvalidAccessKeyId", 403, "credentials-rejected", true],
    ["SignatureDoesNotMatch", 403, "credentials-rejected", true],
    ["AccessDenied", 403, "credentials-rejected", false],
    ["ParameterNotFound", 400, "parameter-missing", true],
    ["AWS.SimpleQueueService.UnsupportedOperation", 400, "operation-unsupported", true],
    ["ThrottlingException", 400, "operation-unsupported", false],
  ] as const)("says whether %s (HTTP %i) is %s: %s", (name, status, kind, expected) => {
    expect(awsErrorIs(sdkError(name, status), kind)).toBe(expected);
  });

  it("looks through one of our typed errors to the SDK error it wraps", () => {
    const wrapped = new FatalError("copy failed", { cause: sdkError("InvalidAccessKeyId", 403) });
    expect(awsErrorIs(wrapped, "credentials-rejected")).toBe(true);
    expect(awsErrorIs(new FatalError("no table"), "credentials-rejected")).toBe(false);
  });

  it("recognises an unknown operation by its message when the name says nothing", () => {
    const err = sdkError("InvalidParameterValue", 400);
    err.message = "Unknown Action StartMessageMoveTask";
    expect(awsErrorIs(err, "operation-unsupported")).toBe(true);
    expect(awsErrorIs(undefined, "operation-unsupported")).toBe(false);
  });
});
