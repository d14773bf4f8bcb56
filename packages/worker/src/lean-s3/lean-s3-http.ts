import type { Readable } from "node:stream";
import { S3ServiceException } from "@aws-sdk/client-s3";
import { loadRestXmlErrorCode, parseXmlErrorBody } from "@aws-sdk/core";
import { extendedEncodeURIComponent } from "@smithy/core/protocols";
import { parseRfc7231DateTime } from "@smithy/core/serde";
import type { SerdeContext } from "@smithy/types";

/** Where a bucket's requests go and how they are signed, as the client's endpoint rules say. */
export interface BucketEndpoint extends UrlTarget {
  /** Path before the key: `/bucket` for path-style URLs, empty for virtual-hosted ones. */
  readonly pathPrefix: string;
  readonly signingName: string;
  readonly signingRegion: string;
}

/** Where a plain request goes: an http(s) URL without query or fragment, as request fields. */
export interface UrlTarget {
  readonly protocol: string;
  readonly hostname: string;
  readonly port: number | undefined;
  /** The Host header: hostname, plus the port when the URL names one. */
  readonly host: string;
}

/** The request fields of an endpoint URL, or `undefined` when it is not plain http(s). */
export function urlTarget(url: URL): UrlTarget | undefined {
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.search || url.hash) {
    return undefined;
  }
  const port = url.port === "" ? undefined : Number(url.port);
  const host = port === undefined ? url.hostname : `${url.hostname}:${port}`;
  return { protocol: url.protocol, hostname: url.hostname, port, host };
}

/** The object headers a copy carries over (the SDK's names). */
export interface LeanObjectHeaders {
  readonly ContentType?: string | undefined;
  readonly ContentEncoding?: string | undefined;
  readonly ContentLanguage?: string | undefined;
  readonly ContentDisposition?: string | undefined;
  readonly CacheControl?: string | undefined;
  readonly Expires?: Date | undefined;
  readonly Metadata?: Record<string, string> | undefined;
}

/** The fields of a GetObject answer the copy reads (the SDK's names), and the body. */
export interface LeanGetOutput extends LeanObjectHeaders {
  readonly ETag: string | undefined;
  readonly ContentLength: number | undefined;
  readonly LastModified: Date | undefined;
  readonly VersionId: string | undefined;
  readonly ServerSideEncryption: string | undefined;
  readonly SSECustomerAlgorithm: string | undefined;
  readonly Body: Readable;
}

/** A PutObject of the lean path (the SDK's field names). */
export interface LeanPutInput extends LeanObjectHeaders {
  readonly Bucket: string;
  readonly Key: string;
  readonly Body: Buffer | Readable;
  readonly ContentLength: number;
  readonly ContentMD5: string;
  readonly StorageClass?: string | undefined;
  readonly ServerSideEncryption?: string | undefined;
  readonly SSEKMSKeyId?: string | undefined;
  readonly Tagging?: string | undefined;
}

type Headers = Record<string, string | undefined>;

/**
 * The key as a URL path, encoded as the SDK encodes `{Key+}`: each `/`-separated segment with
 * the SDK's own `extendedEncodeURIComponent`, the slashes kept.
 */
export function keyPath(key: string): string {
  return key.split("/").map(extendedEncodeURIComponent).join("/");
}

/** An HTTP date header, parsed as the SDK parses it; `null` when it is not one. */
function httpDate(value: string | undefined): Date | undefined | null {
  try {
    return parseRfc7231DateTime(value);
  } catch {
    // Not an HTTP date (e.g. `Expires: 0`): the caller leaves such an answer to the SDK.
    return null;
  }
}

/**
 * Reads a GetObject answer's headers into the SDK's field names. `undefined` when a header is
 * one only the SDK should interpret (an `Expires` that is not an HTTP date).
 */
export function parseGetHeaders(headers: Headers, body: Readable): LeanGetOutput | undefined {
  const expires = httpDate(headers.expires);
  if (expires === null) return undefined;
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith("x-amz-meta-") && value !== undefined) metadata[name.slice(11)] = value;
  }
  const length = headers["content-length"];
  return {
    ETag: headers.etag,
    ContentLength: length === undefined ? undefined : Number(length),
    LastModified: httpDate(headers["last-modified"]) ?? undefined,
    VersionId: headers["x-amz-version-id"],
    ServerSideEncryption: headers["x-amz-server-side-encryption"],
    SSECustomerAlgorithm: headers["x-amz-server-side-encryption-customer-algorithm"],
    ContentType: headers["content-type"],
    ContentEncoding: headers["content-encoding"],
    ContentLanguage: headers["content-language"],
    ContentDisposition: headers["content-disposition"],
    CacheControl: headers["cache-control"],
    Expires: expires,
    Metadata: metadata,
    Body: body,
  };
}

/** The request headers of a PutObject, as the SDK serializes the same input. */
export function putHeaders(input: LeanPutInput): Record<string, string> {
  const headers: Headers = {
    "content-length": String(input.ContentLength),
    "content-md5": input.ContentMD5,
    "content-type": input.ContentType ?? "application/octet-stream",
    "content-encoding": input.ContentEncoding,
    "content-language": input.ContentLanguage,
    "content-disposition": input.ContentDisposition,
    "cache-control": input.CacheControl,
    expires: input.Expires?.toUTCString(),
    "x-amz-storage-class": input.StorageClass,
    "x-amz-server-side-encryption": input.ServerSideEncryption,
    "x-amz-server-side-encryption-aws-kms-key-id": input.SSEKMSKeyId,
    "x-amz-tagging": input.Tagging,
  };
  for (const [name, value] of Object.entries(input.Metadata ?? {})) {
    headers[`x-amz-meta-${name.toLowerCase()}`] = value;
  }
  const defined: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) defined[name] = value;
  return defined;
}

/** Error bodies beyond this are not read (S3's are well under 1 KiB). */
const MAX_ERROR_BODY = 64 * 1024;

/**
 * The SDK's exception for an answer other than 2xx: `name` from the XML `Code` (or from the
 * status when there is no body), `$metadata.httpStatusCode` and the request ids, so
 * `classifyAwsError` sees what it would see from the SDK. The body is parsed by the SDK's own
 * REST-XML error parser, with the client's own UTF-8 decoder.
 */
export async function readError(
  status: number,
  headers: Headers,
  body: Readable,
  utf8Encoder: SerdeContext["utf8Encoder"],
): Promise<S3ServiceException> {
  // Given bytes already read, the parser needs only the UTF-8 codec of a serde context.
  const serde = { utf8Encoder } as SerdeContext;
  // A body that is not XML (a proxy's HTML page) leaves the status to name the error.
  const data = await parseXmlErrorBody(await readBounded(body), serde).catch(() => ({}));
  const error = (data?.Error ?? data ?? {}) as Record<string, unknown>;
  const text = (field: string) => {
    const value = error[field];
    return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
  };
  const code = loadRestXmlErrorCode({ statusCode: status, headers, body } as never, data);
  const name = code ?? STATUS_NAMES[status] ?? `Http${status}`;
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? "server" : "client",
    message: text("Message") ?? name,
    $metadata: {
      httpStatusCode: status,
      requestId: text("RequestId") ?? headers["x-amz-request-id"],
      extendedRequestId: text("HostId") ?? headers["x-amz-id-2"],
    },
  });
}

/** The error body, at most {@link MAX_ERROR_BODY} bytes of it. */
async function readBounded(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      length += chunk.length;
      if (length > MAX_ERROR_BODY) break;
    }
  } catch {
    // A body cut short: what arrived (or the status alone) still says what happened.
  }
  return Buffer.concat(chunks);
}

/** Names the SDK gives body-less errors. */
const STATUS_NAMES: Record<number, string> = {
  301: "PermanentRedirect",
  304: "NotModified",
  400: "BadRequest",
  403: "Forbidden",
  404: "NotFound",
  412: "PreconditionFailed",
  500: "InternalError",
  503: "ServiceUnavailable",
};
