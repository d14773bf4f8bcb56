import { readFileSync, writeFileSync } from "node:fs";
import { Agent, createServer, type IncomingHttpHeaders, request, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readStackEnv } from "./local-stack.js";

/** A request as a {@link startProxy} proxy sees it. */
export interface ProxiedRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  /** The S3 operation it is, told from its method and query. */
  readonly operation: S3Operation;
  /** The operation a JSON-protocol service (DynamoDB, SQS) is asked for (`X-Amz-Target`). */
  readonly target: string | undefined;
  readonly headers: IncomingHttpHeaders;
}

export type S3Operation =
  | "CreateMultipartUpload"
  | "UploadPart"
  | "CompleteMultipartUpload"
  | "AbortMultipartUpload"
  | "ListMultipartUploads"
  | "ListParts"
  | "other";

/** Hooks of {@link startProxy}. */
export interface ProxyHooks {
  /** Runs when a request arrives; it is forwarded once the promise it returns resolves. */
  readonly before?: (req: ProxiedRequest) => Promise<void> | void;
  /** Runs when the upstream answer arrives, before it is passed on. */
  readonly after?: (req: ProxiedRequest, status: number) => void;
}

/** A forwarding HTTP proxy a test puts in front of one process's endpoint (S3, DynamoDB). */
export interface HttpProxy {
  readonly url: string;
  /** Every request that arrived, in order. */
  readonly seen: ProxiedRequest[];
  close(): Promise<void>;
}

/** Tells the S3 operation from the method and the query (path-style requests). */
export function s3Operation(method: string, url: string): S3Operation {
  const query = new URL(url, "http://x").searchParams;
  if (query.has("uploads"))
    return method === "POST" ? "CreateMultipartUpload" : "ListMultipartUploads";
  if (!query.has("uploadId")) return "other";
  if (method === "PUT" && query.has("partNumber")) return "UploadPart";
  if (method === "POST") return "CompleteMultipartUpload";
  if (method === "DELETE") return "AbortMultipartUpload";
  if (method === "GET") return "ListParts";
  return "other";
}

/**
 * Starts a proxy on loopback that forwards every request to `target` unchanged (the Host
 * header included, so SigV4 signatures stay valid), after `hooks.before` lets it: a test holds
 * one process's requests at a gate to force a race between processes.
 */
export async function startProxy(target: string, hooks: ProxyHooks = {}): Promise<HttpProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const seen: ProxiedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const target = req.headers["x-amz-target"];
    const proxied: ProxiedRequest = {
      method,
      url,
      operation: s3Operation(method, url),
      target: Array.isArray(target) ? target[0] : target,
      headers: req.headers,
    };
    seen.push(proxied);
    void Promise.resolve(hooks.before?.(proxied)).then(
      () => {
        const out = request(
          {
            host: upstream.hostname,
            port: upstream.port,
            method,
            path: url,
            headers: req.headers,
            agent,
          },
          (answer) => {
            hooks.after?.(proxied, answer.statusCode ?? 0);
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        out.on("error", () => res.destroy());
        req.pipe(out);
      },
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      agent.destroy();
    },
  };
}

/** The local access-key side's credentials document (endpoint, keys, region). */
export function accessKeyCredentials(): Record<string, string> {
  const file = readStackEnv().LOCAL_CREDENTIALS_FILE ?? "";
  return JSON.parse(readFileSync(file, "utf8"));
}

/**
 * Env that points a worker's access-key side (the destination in config/local.ini) at
 * `endpoint`: a copy of the credentials document with that endpoint, in a temp file named
 * after `tag`.
 */
export function accessKeyEndpointEnv(endpoint: string, tag: string): Record<string, string> {
  const file = join(tmpdir(), `credentials-${tag}.json`);
  writeFileSync(file, JSON.stringify({ ...accessKeyCredentials(), endpoint }));
  return { S3MIG_ssm_parameter_credentials: `file:${file}` };
}

/** A loopback URL nothing listens on (a port taken, then given back): connections are refused. */
export async function refusingEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}
