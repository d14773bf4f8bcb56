/**
 * Eager, bounded read-ahead over an async iterable: starts pulling from the source at once and
 * keeps at most `size` items waiting, so the next items are fetched while the consumer works on
 * the current one.
 *
 * Memory: `size` buffered items plus the one being fetched plus the one the consumer holds.
 * `size` may be a function, asked again before each pull: several read-aheads can then share
 * one budget (call `poke()` when the budget grows, so a waiting pump asks again).
 * A source error is thrown to the consumer after the items that came before it. `return()`
 * (a `break` out of `for await`) stops pulling and closes the source. One `next()` at a time.
 *
 * @example
 * const pages = new ReadAhead(listObjectPages(s3, { bucket, prefix }), 1);
 * for await (const page of pages) await handle(page); // page n+1 is fetched meanwhile
 */
export class ReadAhead<T> implements AsyncIterableIterator<T> {
  readonly #source: AsyncIterator<T>;
  readonly #size: (self: ReadAhead<T>) => number;
  readonly #buffer: T[] = [];
  #finished = false;
  #stopped = false;
  #failure: { readonly error: unknown } | undefined;
  #wakeConsumer: (() => void) | undefined;
  #wakePump: (() => void) | undefined;
  readonly #pump: Promise<void>;

  /**
   * @param source - the iterable to read ahead of
   * @param size - how many items may wait for the consumer: an integer ≥ 1, or a function of
   *   this read-ahead giving the current limit (0 pauses pulling until `poke()`)
   */
  constructor(source: AsyncIterable<T>, size: number | ((self: ReadAhead<T>) => number)) {
    if (typeof size === "number" && (!Number.isInteger(size) || size < 1)) {
      throw new RangeError(`read-ahead size [${size}] must be an integer from 1 and up`);
    }
    this.#source = source[Symbol.asyncIterator]();
    this.#size = typeof size === "number" ? () => size : size;
    this.#pump = this.#run();
  }

  /** How many items are waiting for the consumer. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /** Wakes a pump that waits for room, so it asks its `size` function again. */
  poke(): void {
    this.#wake("pump");
  }

  async next(): Promise<IteratorResult<T, undefined>> {
    for (;;) {
      if (this.#buffer.length > 0) {
        const value = this.#buffer.shift() as T;
        this.#wake("pump");
        return { done: false, value };
      }
      if (this.#finished) {
        const failure = this.#failure;
        this.#failure = undefined;
        if (failure) throw failure.error;
        return { done: true, value: undefined };
      }
      await new Promise<void>((resolve) => {
        this.#wakeConsumer = resolve;
      });
    }
  }

  async return(): Promise<IteratorResult<T, undefined>> {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#buffer.length = 0;
      this.#wake("pump");
      await this.#pump;
    }
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async #run(): Promise<void> {
    try {
      while (!this.#stopped) {
        if (this.#buffer.length >= this.#size(this)) {
          await new Promise<void>((resolve) => {
            this.#wakePump = resolve;
          });
          continue;
        }
        const result = await this.#source.next();
        if (result.done) return;
        if (!this.#stopped) this.#buffer.push(result.value);
        this.#wake("consumer");
      }
      await this.#source.return?.();
    } catch (err) {
      // Thrown to the consumer by next(); after return() nobody is left to receive it (it is
      // usually the abort of a request the consumer no longer wants).
      if (!this.#stopped) this.#failure = { error: err };
    } finally {
      this.#finished = true;
      this.#wake("consumer");
    }
  }

  #wake(who: "consumer" | "pump"): void {
    const wake = who === "consumer" ? this.#wakeConsumer : this.#wakePump;
    if (who === "consumer") this.#wakeConsumer = undefined;
    else this.#wakePump = undefined;
    wake?.();
  }
}
