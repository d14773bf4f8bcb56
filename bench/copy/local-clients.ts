/**
 * The local stack's clients and a concurrency helper, without loading a second copy of the
 * SDK: the timed copier (copy-bucket.ts) imports only this, so its start-up is the engine's own.
 */
export { localClients } from "../../test/support/local-stack.js";

/** Runs `fn` over `items`, `concurrency` at a time. */
export async function forEachLimit<T>(
  items: Iterable<T> | AsyncIterable<T>,
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const it = (Symbol.asyncIterator in items ? items : toAsync(items))[Symbol.asyncIterator]();
  const lane = async (): Promise<void> => {
    for (let next = await it.next(); !next.done; next = await it.next()) await fn(next.value);
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}
