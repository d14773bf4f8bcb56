import type { Logger } from "@s3-migration/common";

const TOKEN_TTL_SEC = 21_600;
const REQUEST_TIMEOUT_MS = 1_000;

/**
 * EC2 instance metadata over IMDSv2 (a session token first; IMDSv1 is off on our instances).
 * Every failure to reach it answers `undefined` (logged at debug: the Spot notice is polled
 * every 2 s): off EC2 it simply is not there.
 *
 * Not `@aws-sdk/ec2-metadata-service`: its `request` fetches a new session token for every
 * request (two round trips per Spot poll instead of one), throws on the 404 that is the normal
 * "no notice" answer, and reads the endpoint from the environment and profile files where this
 * project takes it from the config (`InstanceMetadataEndpoint`).
 */
export class InstanceMetadata {
  readonly #endpoint: string;
  readonly #logger: Logger | undefined;
  #token: { value: string; expires: number } | undefined;

  constructor(endpoint: string, logger?: Logger) {
    this.#endpoint = endpoint.replace(/\/$/, "");
    this.#logger = logger;
  }

  /** The text at `/latest/meta-data/<path>`, or undefined (404, unreachable, timeout). */
  async get(path: string): Promise<string | undefined> {
    try {
      const token = await this.#sessionToken();
      const res = await fetch(`${this.#endpoint}/latest/meta-data/${path}`, {
        headers: { "X-aws-ec2-metadata-token": token },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      return res.ok ? await res.text() : undefined;
    } catch (err) {
      this.#logger?.debug("instance metadata not reachable", { path, error: err });
      return undefined;
    }
  }

  async #sessionToken(): Promise<string> {
    if (this.#token && this.#token.expires > Date.now()) return this.#token.value;
    const res = await fetch(`${this.#endpoint}/latest/api/token`, {
      method: "PUT",
      headers: { "X-aws-ec2-metadata-token-ttl-seconds": String(TOKEN_TTL_SEC) },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`IMDS token request answered ${res.status}`);
    const value = await res.text();
    this.#token = { value, expires: Date.now() + (TOKEN_TTL_SEC - 60) * 1000 };
    return value;
  }
}

/**
 * Polls for the Spot interruption notice (`spot/instance-action`, present about two minutes
 * before the instance is reclaimed) and calls `onNotice` once. Returns the stop function.
 */
export function watchSpotInterruption(
  imds: InstanceMetadata,
  logger: Logger,
  onNotice: (action: string) => void,
  everyMs = 2_000,
): () => void {
  let stopped = false;
  const timer = setInterval(async () => {
    const action = await imds.get("spot/instance-action");
    if (action === undefined || stopped) return;
    stopped = true;
    clearInterval(timer);
    logger.warn("spot interruption notice", { action });
    onNotice(action);
  }, everyMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
