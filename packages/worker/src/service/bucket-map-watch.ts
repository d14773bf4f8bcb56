import {
  type BucketMapping,
  type Config,
  type EventRouting,
  type Logger,
  loadBucketMap,
  type SsmSend,
} from "@s3-migration/common";

/**
 * The worker's routing of S3 events: the default destination from the ini, and the bucket map
 * as the parameter holds it now, read again before a message is parsed once the copy is older
 * than `BucketMapRefreshSeconds`, so ops edit the map without restarting the fleet and an event
 * is routed by a map at most that old. A read that fails (parameter unreadable, or a document
 * that does not validate) keeps the previous map, with a `warn` line; events are never routed
 * by a half-read map.
 */
export class BucketMapWatch implements EventRouting {
  readonly desBucketDefault: string;
  readonly desPrefixDefault: string;
  readonly #config: Pick<Config, "bucketMapParameter" | "bucketMapRefreshSec">;
  readonly #ssm: SsmSend | undefined;
  readonly #logger: Logger;
  readonly #now: () => number;
  #map: readonly BucketMapping[] = [];
  #readAt = Number.NEGATIVE_INFINITY;
  #reading: Promise<void> | undefined;

  constructor(
    config: Pick<
      Config,
      "bucketMapParameter" | "bucketMapRefreshSec" | "desBucketDefault" | "desPrefixDefault"
    >,
    ssm: SsmSend | undefined,
    logger: Logger,
    now: () => number = Date.now,
  ) {
    this.desBucketDefault = config.desBucketDefault;
    this.desPrefixDefault = config.desPrefixDefault;
    this.#config = config;
    this.#ssm = ssm;
    this.#logger = logger;
    this.#now = now;
  }

  /** The map as last read. */
  get bucketMap(): readonly BucketMapping[] {
    return this.#map;
  }

  /** Reads the map again if the copy is older than the refresh interval; never throws. */
  async fresh(): Promise<void> {
    if (this.#now() - this.#readAt >= this.#config.bucketMapRefreshSec * 1000) {
      await this.refresh();
    }
  }

  /** Reads the parameter now (one read at a time); never throws. */
  refresh(): Promise<void> {
    this.#reading ??= this.#read().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  async #read(): Promise<void> {
    this.#readAt = this.#now();
    try {
      const map = await loadBucketMap(this.#config.bucketMapParameter, this.#ssm);
      if (JSON.stringify(map) !== JSON.stringify(this.#map)) {
        this.#logger.info("bucket map read", { entries: map.length });
      }
      this.#map = map;
    } catch (err) {
      this.#logger.warn("bucket map not readable; S3 events keep the previous routing", {
        error: err,
      });
    }
  }
}
