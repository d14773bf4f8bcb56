import { Readable } from "node:stream";

/** In-memory bodies larger than this are written to the socket this many bytes at a time. */
export const BODY_SLICE_BYTES = 1024 * 1024;

/**
 * `request` itself, or, when its body is in memory and larger than {@link BODY_SLICE_BYTES}, a
 * copy of it whose body is a fresh stream of slices of those bytes (views, not copies). Over
 * HTTPS, Node encrypts a write as a whole before the socket takes any of it, so every part in
 * flight would have a second, encrypted copy of itself in memory (figures in
 * docs/BENCHMARKS.md). With slices, the socket's backpressure
 * bounds what TLS holds to about one slice per request, and the memory budget's bound
 * (MemoryBudgetMB) holds over HTTPS too.
 *
 * Applied by the HTTP handler of every client (`http-handler.ts`) on every send, so each SDK
 * retry and the lean path get it alike; the request's own body stays the buffer.
 */
export function withSlicedBody<R extends { body?: unknown }>(request: R): R {
  const body = request.body;
  if (!(body instanceof Uint8Array) || body.byteLength <= BODY_SLICE_BYTES) return request;
  return Object.assign(Object.create(Object.getPrototypeOf(request)), request, {
    body: Readable.from(slices(body), { objectMode: false }),
  });
}

function* slices(bytes: Uint8Array): Generator<Buffer> {
  const all = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at < all.length; at += BODY_SLICE_BYTES) {
    yield all.subarray(at, at + BODY_SLICE_BYTES);
  }
}
