import { RetryableError } from "@s3-migration/common";
import type { BufferLease } from "./buffer-lease.js";

/*
 * A response body is a Node stream (the SDK's, or the lean path's), or, in unit tests, anything
 * with `transformToByteArray`.
 */

/**
 * Appends the body's bytes to `lease` as they arrive and passes each chunk to `onChunk`
 * (hashing). Returns `true` (and stops reading) when the body is longer than the lease's
 * capacity. A stream left early is destroyed.
 */
export async function fillFromBody(
  body: unknown,
  lease: BufferLease,
  onChunk?: (chunk: Uint8Array) => void,
): Promise<boolean> {
  const take = (chunk: Uint8Array): boolean => {
    if (lease.filled + chunk.length > lease.capacity) return false;
    lease.append(chunk);
    onChunk?.(chunk);
    return true;
  };
  if (isAsyncIterable(body)) {
    // Leaving the loop early (return or throw) destroys the stream.
    for await (const chunk of body) if (!take(chunk)) return true;
    return false;
  }
  return !take(await bytesOf(body));
}

/**
 * The whole body, which must be exactly `size` bytes, in one buffer allocated once (no list of
 * chunks joined at the end). A body of another length is a retryable error (a stream that
 * broke after the headers arrived).
 */
export async function readExactly(body: unknown, size: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(size);
  let filled = 0;
  let longer = false;
  if (isAsyncIterable(body)) {
    for await (const chunk of body) {
      if (filled + chunk.length > size) {
        longer = true;
        break;
      }
      buffer.set(chunk, filled);
      filled += chunk.length;
    }
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
