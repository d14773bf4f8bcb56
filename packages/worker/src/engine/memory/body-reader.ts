import { finished, Readable } from "node:stream";
import { RetryableError } from "@s3-migration/common";
import { type BandwidthCap, throttle } from "./bandwidth-cap.js";
import type { BufferLease } from "./buffer-lease.js";

/*
 * A response body is a Node stream (the SDK's, or the lean path's), or, in unit tests, anything
 * with `transformToByteArray`.
 */

/** The worker's bandwidth cap, if any, and the copy's signal that cuts a wait for it short. */
export interface ReadCap {
  /** Without it the body is read as fast as it comes, at no extra cost per chunk. */
  readonly bandwidth?: BandwidthCap | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Appends the body's bytes to `lease` as they arrive and passes each chunk to `onChunk`
 * (hashing). Returns `true` (and stops reading) when the body is longer than the lease's
 * capacity. A stream left early is destroyed. With `cap.bandwidth`, bytes come no faster than
 * the cap allows.
 */
export async function fillFromBody(
  source: unknown,
  lease: BufferLease,
  onChunk?: (chunk: Uint8Array) => void,
  cap?: ReadCap,
): Promise<boolean> {
  const body = capped(source, cap);
  const take = (chunk: Uint8Array): boolean => {
    if (lease.filled + chunk.length > lease.capacity) return false;
    lease.append(chunk);
    onChunk?.(chunk);
    return true;
  };
  if (isAsyncIterable(body)) return !(await eachChunk(body, take));
  return !take(await bytesOf(body));
}

/**
 * The whole body, which must be exactly `size` bytes, in one buffer allocated once (no list of
 * chunks joined at the end). A body of another length is a retryable error (a stream that
 * broke after the headers arrived). With `cap.bandwidth`, bytes come no faster than the cap
 * allows.
 */
export async function readExactly(source: unknown, size: number, cap?: ReadCap): Promise<Buffer> {
  const body = capped(source, cap);
  const buffer = Buffer.allocUnsafe(size);
  let filled = 0;
  let longer = false;
  if (isAsyncIterable(body)) {
    longer = !(await eachChunk(body, (chunk) => {
      if (filled + chunk.length > size) return false;
      buffer.set(chunk, filled);
      filled += chunk.length;
      return true;
    }));
  } else {
    const bytes = await bytesOf(body);
    longer = bytes.length > size;
    if (!longer) buffer.set(bytes);
    filled = Math.min(bytes.length, size);
  }
  if (longer || filled !== size) {
    throw new RetryableError(
      `source body was ${longer ? `longer than ${size}` : filled} bytes, expected ${size}`,
    );
  }
  return buffer;
}

/**
 * Passes every chunk of `body` to `take` until it returns false; resolves true when the body
 * ended, false when `take` stopped it (the stream is then destroyed). A Node stream is read
 * through `data` events: over TLS a part arrives in 16 KiB chunks, and `for await` costs a
 * promise and a few ticks per chunk (docs/BENCHMARKS.md). A stream that errors or closes
 * before its end rejects, and so does a throw from `take`.
 */
function eachChunk(
  body: AsyncIterable<Uint8Array>,
  take: (chunk: Uint8Array) => boolean,
): Promise<boolean> {
  if (!(body instanceof Readable)) return eachChunkIterated(body, take);
  return new Promise<boolean>((resolve, reject) => {
    let settled = false;
    const settle = (run: () => void) => {
      if (settled) return;
      settled = true;
      body.off("data", onData);
      stopWatching();
      run();
    };
    const onData = (chunk: Uint8Array) => {
      // A throw must reject this promise, not escape into the stream's emit (an uncaught
      // exception there would end the process).
      let more: boolean;
      try {
        more = take(chunk);
      } catch (err) {
        settle(() => reject(err));
        body.destroy();
        return;
      }
      if (!more) {
        settle(() => resolve(false));
        body.destroy();
      }
    };
    const stopWatching = finished(body, (err) => settle(() => (err ? reject(err) : resolve(true))));
    body.on("data", onData);
  });
}

async function eachChunkIterated(
  body: AsyncIterable<Uint8Array>,
  take: (chunk: Uint8Array) => boolean,
): Promise<boolean> {
  // Leaving the loop early (return or throw) destroys the stream.
  for await (const chunk of body) if (!take(chunk)) return false;
  return true;
}

/**
 * `body` read through the cap. A stream is throttled (paused while it waits); the other kinds,
 * which only test doubles give, wait for their bytes per chunk, or after the fact.
 */
function capped(body: unknown, cap: ReadCap | undefined): unknown {
  const bandwidth = cap?.bandwidth;
  if (bandwidth === undefined) return body;
  const signal = cap?.signal;
  if (body instanceof Readable) return throttle(body, bandwidth, signal);
  if (isAsyncIterable(body)) return cappedChunks(body, bandwidth, signal);
  return {
    transformToByteArray: async () => {
      const bytes = await bytesOf(body);
      await bandwidth.take(bytes.length, signal);
      return bytes;
    },
  };
}

async function* cappedChunks(
  body: AsyncIterable<Uint8Array>,
  bandwidth: BandwidthCap,
  signal: AbortSignal | undefined,
): AsyncIterable<Uint8Array> {
  for await (const chunk of body) {
    await bandwidth.take(chunk.length, signal);
    yield chunk;
  }
}

function isAsyncIterable(body: unknown): body is AsyncIterable<Uint8Array> {
  return typeof body === "object" && body !== null && Symbol.asyncIterator in body;
}

async function bytesOf(body: unknown): Promise<Uint8Array> {
  const b = body as { transformToByteArray?: () => Promise<Uint8Array> } | undefined | null;
  if (b === undefined || b === null) return new Uint8Array();
  if (typeof b.transformToByteArray !== "function") {
    throw new TypeError("response body is neither a stream nor a byte source");
  }
  return b.transformToByteArray();
}
