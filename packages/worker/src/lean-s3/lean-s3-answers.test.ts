import { GetObjectCommand } from "@aws-sdk/client-s3";
import { classifyAwsError } from "@s3-migration/common";
import { describe, expect, it } from "vitest";
import { recordingClient } from "../testing/recording-client.js";
import { LeanS3 } from "./lean-s3.js";

describe("LeanS3", () => {
  it("reads a GetObject answer into the SDK's fields", async () => {
    const { client } = recordingClient(() => ({
      headers: {
        etag: '"0cc175b9c0f1b6a831c399e269772661"',
        "content-length": "1",
        "last-modified": "Wed, 21 Oct 2015 07:28:00 GMT",
        expires: "Thu, 01 Jan 2026 00:00:00 GMT",
        "content-type": "text/plain",
        "x-amz-version-id": "v1",
        "x-amz-server-side-encryption": "AES256",
        "x-amz-meta-origin": "test",
      },
    }));
    const sdk = await client.send(new GetObjectCommand({ Bucket: "b", Key: "k" }));
    const lean = await new LeanS3(client).getObject({ Bucket: "b", Key: "k" });
    lean?.Body.resume();
    for (const field of [
      "ETag",
      "ContentLength",
      "LastModified",
      "Expires",
      "ContentType",
      "VersionId",
      "ServerSideEncryption",
      "Metadata",
    ] as const) {
      expect(lean?.[field]).toEqual(sdk[field]);
    }
  });

  it("leaves an answer whose Expires is not an HTTP date to the SDK", async () => {
    const { client } = recordingClient(() => ({ headers: { expires: "0" } }));
    expect(await new LeanS3(client).getObject({ Bucket: "b", Key: "k" })).toBeUndefined();
  });

  it.each([
    [404, "NoSuchKey", "object"],
    [503, "SlowDown", "retryable"],
    [403, "SignatureDoesNotMatch", "fatal"],
  ] as const)("turns a %i %s answer into the SDK's exception (%s)", async (status, code, kind) => {
    // Prepare
    const { client } = recordingClient(() => ({
      status,
      body: `<?xml version="1.0"?><Error><Code>${code}</Code><Message>m</Message><RequestId>r-1</RequestId></Error>`,
    }));
    // Act
    const err = await new LeanS3(client)
      ?.getObject({ Bucket: "b", Key: "k" })
      .catch((e: unknown) => e);
    // Assess
    expect(err).toMatchObject({
      name: code,
      $metadata: { httpStatusCode: status, requestId: "r-1" },
    });
    expect(classifyAwsError(err)).toBe(kind);
  });

  it("decodes XML entities in an error's code, message and ids as the SDK does", async () => {
    // Prepare
    const { client } = recordingClient(() => ({
      status: 400,
      body: "<Error><Code>InvalidArgument</Code><Message>a &amp; b &lt;c&gt; &#233;</Message><RequestId>r&amp;1</RequestId><HostId>h</HostId></Error>",
    }));
    // Act
    const err = await new LeanS3(client)
      .getObject({ Bucket: "b", Key: "k" })
      .catch((e: unknown) => e);
    // Assess
    expect(err).toMatchObject({
      name: "InvalidArgument",
      message: "a & b <c> é",
      $metadata: { httpStatusCode: 400, requestId: "r&1", extendedRequestId: "h" },
    });
  });

  it("names an error with a body that is not XML by its status", async () => {
    const { client } = recordingClient(() => ({ status: 503, body: "<html>busy" }));
    const err = await new LeanS3(client)
      .getObject({ Bucket: "b", Key: "k" })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "ServiceUnavailable", $metadata: { httpStatusCode: 503 } });
    expect(classifyAwsError(err)).toBe("retryable");
  });

  it("names a body-less error by its status", async () => {
    const { client } = recordingClient(() => ({ status: 404, body: "" }));
    const err = await new LeanS3(client)
      ?.getObject({ Bucket: "b", Key: "k" })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "NotFound", $metadata: { httpStatusCode: 404 } });
  });
});
