/** Whether `bytes` lie in shared memory, so a hasher thread can read them in place. */
export function inSharedMemory(bytes: Uint8Array): boolean {
  return bytes.buffer instanceof SharedArrayBuffer;
}

/** A buffer of `size` bytes in shared memory, so a hasher thread can hash it in place. */
export function sharedBuffer(size: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(size));
}
