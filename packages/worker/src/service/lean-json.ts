import type { Readable } from "node:stream";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Command } from "@smithy/core/client";
import { type UrlTarget, urlTarget } from "../lean-s3/lean-s3-http.js";

/** The clients whose protocol is AWS JSON 1.0 (a POST of JSON, the operation in `x-amz-target`). */
export type JsonClient = SQSClient | DynamoDBClient;

/** What a lean call got back: the status and the parsed JSON body (`{}` when empty). */
export interface JsonAnswer {
  readonly status: number;
  readonly json: Record<string, unknown>;
}

/** Where a request goes and how it is signed, resolved once per endpoint key. */
interface Target extends UrlTarget {
  readonly path: string;
  readonly region: string;
  readonly signer: Signer;
}

type Signer = Awaited<ReturnType<JsonClient["config"]["signer"]>>;

/**
 * One AWS JSON 1.0 call without the SDK's middleware stack: the request is the SDK's own (its
 * endpoint, resolved by the client's own rules for a probe command, its signer, credentials,
 * clock-skew offset, HTTP handler and sockets); only the JSON is written and read here. The
 * SDK's per-call middleware, schema serializer and deserializer cost about 1.3–1.8 ms of CPU
 * for a receive of 10 messages, a batch of 10 deletes or of 25 status items (measured against
 * the local stack), several times the request itself.
 *
 * It never retries and never interprets an error: a network error gives `undefined` and any
 * answer is returned as it is, so the caller can send the same input through the SDK, which
 * retries and reports errors as usual.
 */
export class LeanJson {
  readonly #client: JsonClient;
  readonly #signingName: string;
  readonly #targetPrefix: string;
  readonly #targets = new Map<string, Promise<Target | undefined>>();

  /**
   * @param signingName `sqs` or `dynamodb`.
   * @param targetPrefix The `x-amz-target` before the operation: `AmazonSQS`, `DynamoDB_20120810`.
   */
  constructor(client: JsonClient, signingName: string, targetPrefix: string) {
    this.#client = client;
    this.#signingName = signingName;
    this.#targetPrefix = targetPrefix;
  }

  /**
   * Sends `input` as `operation` to the endpoint the client would use for `probe` (resolved
   * once per `endpointKey`: SQS sends a queue's calls to its queue URL's host). `undefined`
   * when the lean path cannot serve it (the endpoint needs headers of its own) or the request
   * failed on the way.
   */
  async call(
    operation: string,
    input: object,
    endpointKey: string,
    probe: () => Command<never, never, never, never, never>,
    signal?: AbortSignal,
  ): Promise<JsonAnswer | undefined> {
    let found = this.#targets.get(endpointKey);
    if (found === undefined) {
      found = this.#resolve(probe()).catch(() => undefined);
      this.#targets.set(endpointKey, found);
    }
    const target = await found;
    if (target === undefined) return undefined;
    const config = this.#client.config;
    const request = {
      method: "POST",
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      path: target.path,
      query: {},
      headers: {
        host: target.host,
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": `${this.#targetPrefix}.${operation}`,
      },
      body: JSON.stringify(input),
    };
    try {
      const signed = await target.signer.sign(request, {
        signingDate: new Date(Date.now() + (config.systemClockOffset ?? 0)),
        signingRegion: target.region,
        signingService: this.#signingName,
      });
      const { response } = await config.requestHandler.handle(signed as typeof request, {
        abortSignal: signal,
      });
      const text = await readText(response.body as Readable);
      return { status: response.statusCode, json: JSON.parse(text || "{}") };
    } catch {
      signal?.throwIfAborted();
      // A network error or a body that is not JSON: the SDK's send does it again, properly.
      return undefined;
    }
  }

  async #resolve(probe: Command<never, never, never, never, never>): Promise<Target | undefined> {
    const url = await probeEndpoint(this.#client, probe);
    const target = url === undefined ? undefined : urlTarget(url);
    if (url === undefined || target === undefined) return undefined;
    const region = await this.#client.config.region();
    const signer = await this.#client.config.signer({
      name: "sigv4",
      signingName: this.#signingName,
      signingRegion: region,
      properties: {},
    });
    return { ...target, path: url.pathname || "/", region, signer };
  }
}

/** The whole body as text. */
async function readText(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Runs `command` through the client's middleware stack up to where its endpoint is resolved
 * (SQS's queue-URL rule included; nothing is sent) and returns that endpoint's URL, when it
 * needs no extra headers.
 */
async function probeEndpoint(
  client: JsonClient,
  command: Command<never, never, never, never, never>,
): Promise<URL | undefined> {
  let url: URL | undefined;
  command.middlewareStack.add(
    (_next, context) => async () => {
      const endpoint = (context as { endpointV2?: { url: URL; headers?: object } }).endpointV2;
      const headers = endpoint?.headers === undefined ? 0 : Object.keys(endpoint.headers).length;
      url = headers === 0 ? endpoint?.url : undefined;
      return { output: { $metadata: {} }, response: {} } as never;
    },
    { step: "build", priority: "high", name: "leanEndpointProbe" },
  );
  await (client.send as (c: unknown) => Promise<unknown>)(command);
  return url;
}
