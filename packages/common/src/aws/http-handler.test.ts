import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer, type Server, type Socket } from "node:net";
import type { NodeHttpHandler } from "@smithy/node-http-handler";
import { afterEach, describe, expect, it } from "vitest";
import { createHttpHandler } from "./http-handler.js";

/**
 * A raw TCP server on loopback that answers each request with `respond(socket)`: it can stall
 * before the headers, stall mid-body, or trickle bytes slowly.
 */
async function rawServer(
  respond: (socket: Socket) => void,
): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.once("data", () => respond(socket));
  });
  server.on("close", () => {
    for (const s of sockets) s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

let open: Server | undefined;
afterEach(async () => {
  const server = open;
  open = undefined;
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()).emit("close"));
});

type HttpRequest = Parameters<NodeHttpHandler["handle"]>[0];

/** A plain GET; the handler reads only these fields (no `clone`). */
const request = (port: number): HttpRequest =>
  ({
    protocol: "http:",
    hostname: "127.0.0.1",
    port,
    method: "GET",
    path: "/k",
    query: {},
    headers: { host: `127.0.0.1:${port}` },
  }) as unknown as HttpRequest;

const HEADERS_100 = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nContent-Type: text/plain\r\n\r\n";

describe("createHttpHandler", () => {
  it("fails a request whose server never answers, after the idle timeout", async () => {
    // Prepare: the server reads the request and says nothing
    const { server, port } = await rawServer(() => {});
    open = server;
    const handler = createHttpHandler(4, 300);

    // Act
    const started = Date.now();
    const failure = await handler.handle(request(port)).then(
      () => undefined,
      (err: unknown) => err,
    );

    // Assess
    expect(failure).toMatchObject({ name: "TimeoutError" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    handler.destroy();
  });

  it("fails the body stream of an answer that stalls after its headers", async () => {
    // Prepare: headers and 10 of 100 bytes, then silence
    const { server, port } = await rawServer((socket) => socket.write(`${HEADERS_100}0123456789`));
    open = server;
    const handler = createHttpHandler(4, 300);
    const { response } = await handler.handle(request(port));

    // Act
    const failure = await (async () => {
      for await (const _ of response.body as AsyncIterable<Buffer>) {
        // drain until the stream fails
      }
    })().then(
      () => undefined,
      (err: unknown) => err,
    );

    // Assess
    expect(failure).toMatchObject({ name: "TimeoutError" });
    handler.destroy();
  });

  it("lets a slow answer that keeps moving run longer than the idle timeout", async () => {
    // Prepare: 100 bytes, 10 every 100 ms: ~1 s in all, never 300 ms silent
    const { server, port } = await rawServer((socket) => {
      socket.write(HEADERS_100);
      let sent = 0;
      const timer = setInterval(() => {
        socket.write("x".repeat(10));
        sent += 10;
        if (sent === 100) clearInterval(timer);
      }, 100);
      socket.on("close", () => clearInterval(timer));
    });
    open = server;
    const handler = createHttpHandler(4, 300);

    // Act
    const { response } = await handler.handle(request(port));
    let bytes = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) bytes += chunk.length;

    // Assess
    expect(bytes).toBe(100);
    handler.destroy();
  });

  it("writes a large in-memory body as a stream of slices and a small one in one write", async () => {
    // Prepare: an HTTP server recording how each body came. Without a Content-Length header,
    // Node sends a buffer written at once with a Content-Length and a streamed body chunked:
    // the framing shows which way the handler wrote it.
    const framing: string[] = [];
    const received: number[] = [];
    const server = createHttpServer((req, res) => {
      framing.push(req.headers["transfer-encoding"] ?? `length ${req.headers["content-length"]}`);
      let n = 0;
      req.on("data", (c: Buffer) => (n += c.length));
      req.on("end", () => {
        received.push(n);
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    open = server;
    const { port } = server.address() as AddressInfo;
    const handler = createHttpHandler(4);
    const put = (body: Buffer) =>
      ({ ...request(port), method: "PUT", body }) as unknown as HttpRequest;

    // Act
    for (const size of [3 * 1024 * 1024, 1024]) {
      const { response } = await handler.handle(put(Buffer.alloc(size, 1)));
      (response.body as { resume(): void }).resume();
    }

    // Assess
    expect(framing).toEqual(["chunked", "length 1024"]);
    expect(received).toEqual([3 * 1024 * 1024, 1024]);
    handler.destroy();
  });
});
