import type { Readable } from "node:stream";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  type BucketEndpoint,
  keyPath,
  type LeanGetOutput,
  type LeanPutInput,
  parseGetHeaders,
  putHeaders,
  readError,
  urlTarget,
} from "./lean-s3-http.js";

type ClientConfig = S3Client["config"];
type Signer = Awaited<ReturnType<ClientConfig["signer"]>>;
type HttpResponse = Awaited<ReturnType<ClientConfig["requestHandler"]["handle"]>>["response"];

/** SHA-256 of an empty payload, as SigV4 wants it for a GET. */
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/**
 * A lean path for the two plain requests of a small copy, GetObject and PutObject, built from
 * the S3 client's own parts: its SigV4 signer (with the client's credential provider, region
 * and clock-skew offset), its HTTP handler (the same sockets, connection and idle timeouts) and
 * its endpoint rules, resolved once per bucket through the client itself. It skips the SDK's
 * per-request middleware stack, which costs more CPU than the copy itself for small objects
 * (docs/BENCHMARKS.md). It is never used for anything but plain GetObject / PutObject, only
 * with `WHEN_REQUIRED` checksums (no SDK checksum headers to reproduce) and only for buckets
 * whose endpoint is plain SigV4 for `s3` (no S3 Express, access points or endpoint headers).
 * It does not retry: the caller retries through the SDK.
 *
 * The worker builds one per SDK client and hands both to the engine (`TransferDeps.lean`);
 * without them every request goes through `send` (test doubles, wrappers that record or alter
 * commands).
 *
 * @example
 * const lean = { source: new LeanS3(clients.sourceS3), destination: new LeanS3(clients.destinationS3) };
 */
export class LeanS3 {
  readonly #client: S3Client;
  readonly #endpoints = new Map<
    string,
    Promise<(BucketEndpoint & { signer: Signer }) | undefined>
  >();

  constructor(client: S3Client) {
    this.#client = client;
  }

  /**
   * GetObject. `undefined` when the lean path cannot serve this bucket, or when the answer has
   * a header only the SDK parses faithfully (an `Expires` that is not an HTTP date): then the
   * caller uses `send`. The body must be consumed or destroyed.
   */
  async getObject(
    input: {
      readonly Bucket: string;
      readonly Key: string;
      readonly VersionId?: string | undefined;
    },
    signal?: AbortSignal,
  ): Promise<LeanGetOutput | undefined> {
    const endpoint = await this.#endpoint(input.Bucket);
    if (endpoint === undefined) return undefined;
    const query: Record<string, string> =
      input.VersionId === undefined ? {} : { versionId: input.VersionId };
    const response = await this.#send(endpoint, "GET", input.Key, query, {}, undefined, signal);
    const out = parseGetHeaders(response.headers, response.body as Readable);
    if (out === undefined) (response.body as Readable).destroy();
    return out;
  }

  /**
   * PutObject of a buffer, or of a stream of exactly `ContentLength` bytes. A stream that fails
   * or ends early cancels the PUT at once (rather than leaving it to the idle timeout).
   * `undefined` when the lean path cannot serve this bucket: use `send`.
   */
  async putObject(
    input: LeanPutInput,
    signal?: AbortSignal,
  ): Promise<{ readonly ETag: string | undefined } | undefined> {
    const endpoint = await this.#endpoint(input.Bucket);
    if (endpoint === undefined) return undefined;
    const headers = putHeaders(input);
    let cancel: AbortController | undefined;
    if (!Buffer.isBuffer(input.Body)) {
      const body = input.Body;
      const broken = new AbortController();
      cancel = broken;
      body.once("error", (err) => broken.abort(err));
      body.once("close", () => {
        if (!body.readableEnded) broken.abort(new Error("source stream closed before its end"));
      });
    }
    const all =
      cancel && signal ? AbortSignal.any([signal, cancel.signal]) : (cancel?.signal ?? signal);
    const response = await this.#send(endpoint, "PUT", input.Key, {}, headers, input.Body, all);
    (response.body as Readable).resume();
    return { ETag: response.headers.etag };
  }

  /** Signs and sends one request; answers other than 2xx become the SDK's S3 exceptions. */
  async #send(
    endpoint: BucketEndpoint & { signer: Signer },
    method: "GET" | "PUT",
    key: string,
    query: Record<string, string>,
    headers: Record<string, string>,
    body: Buffer | Readable | undefined,
    signal: AbortSignal | undefined,
  ): Promise<HttpResponse> {
    const config = this.#client.config;
    const request = {
      method,
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      port: endpoint.port,
      path: `${endpoint.pathPrefix}/${keyPath(key)}`,
      query,
      headers: {
        ...headers,
        host: endpoint.host,
        "x-amz-content-sha256": method === "GET" ? EMPTY_SHA256 : "UNSIGNED-PAYLOAD",
      },
      body,
    };
    const signed = await endpoint.signer.sign(request, {
      signingDate: new Date(Date.now() + (config.systemClockOffset ?? 0)),
      signingRegion: endpoint.signingRegion,
      signingService: endpoint.signingName,
    });
    const { response } = await config.requestHandler.handle(signed as typeof request, {
      abortSignal: signal,
    });
    if (response.statusCode < 200 || response.statusCode > 299) {
      throw await readError(
        response.statusCode,
        response.headers,
        response.body as Readable,
        config.utf8Encoder,
      );
    }
    return response;
  }

  /** The bucket's endpoint and signer, resolved once by the client's own endpoint rules. */
  #endpoint(bucket: string): Promise<(BucketEndpoint & { signer: Signer }) | undefined> {
    let found = this.#endpoints.get(bucket);
    if (found === undefined) {
      // Not resolvable here: the copy goes through `send`, whose own resolution reports why.
      found = this.#resolve(bucket).catch(() => undefined);
      this.#endpoints.set(bucket, found);
    }
    return found;
  }

  async #resolve(bucket: string): Promise<(BucketEndpoint & { signer: Signer }) | undefined> {
    const config = this.#client.config;
    const checksums = [
      await config.requestChecksumCalculation(),
      await config.responseChecksumValidation(),
    ];
    if (checksums.some((mode) => mode !== "WHEN_REQUIRED")) return undefined;
    const endpoint = await probeEndpoint(this.#client, bucket);
    if (endpoint === undefined) return undefined;
    const signer = await config.signer({
      name: "sigv4",
      signingName: endpoint.signingName,
      signingRegion: endpoint.signingRegion,
      properties: {},
    });
    return { ...endpoint, signer };
  }
}

/** The lean paths of a source and a destination client, as `TransferDeps.lean` takes them. */
export function leanPaths(
  source: S3Client,
  destination: S3Client,
): { readonly source: LeanS3; readonly destination: LeanS3 } {
  return { source: new LeanS3(source), destination: new LeanS3(destination) };
}

/**
 * Runs a GetObject for `bucket` through the client's middleware stack up to the point where
 * the endpoint is resolved (no request is sent) and returns it, when it is plain SigV4 for S3.
 */
async function probeEndpoint(
  client: S3Client,
  bucket: string,
): Promise<BucketEndpoint | undefined> {
  const command = new GetObjectCommand({ Bucket: bucket, Key: "endpoint-probe" });
  let endpoint: BucketEndpoint | undefined;
  command.middlewareStack.add(
    (_next, context) => async () => {
      endpoint = bucketEndpoint(context as ProbeContext);
      return { output: { $metadata: {} }, response: {} } as never;
    },
    { step: "build", priority: "high", name: "leanEndpointProbe" },
  );
  await client.send(command);
  return endpoint;
}

interface ProbeContext {
  readonly endpointV2?: {
    readonly url: URL;
    readonly headers?: Record<string, unknown>;
    readonly properties?: { readonly authSchemes?: readonly Record<string, unknown>[] };
  };
}

function bucketEndpoint(context: ProbeContext): BucketEndpoint | undefined {
  const endpoint = context.endpointV2;
  const scheme = endpoint?.properties?.authSchemes?.[0];
  if (endpoint === undefined || scheme === undefined || scheme.name !== "sigv4") return undefined;
  if (scheme.signingName !== "s3" || typeof scheme.signingRegion !== "string") return undefined;
  if (endpoint.headers !== undefined && Object.keys(endpoint.headers).length > 0) return undefined;
  const target = urlTarget(endpoint.url);
  if (target === undefined) return undefined;
  return {
    ...target,
    pathPrefix: endpoint.url.pathname.replace(/\/$/, ""),
    signingName: scheme.signingName,
    signingRegion: scheme.signingRegion,
  };
}
