/**
 * A long-haul link emulator in user space (this kernel has no netem): a TCP proxy on loopback
 * that, for every connection it accepts, opens one connection to the upstream and forwards
 * both directions through a {@link PacedPipe}: each chunk is delayed by half the round trip
 * and each connection is capped at its own rate per direction (optionally the whole link too).
 * A new connection's first bytes wait for the TCP handshake (`handshakeRtts` round trips).
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import { PacedPipe, pacingSliceBytes, type RateClock } from "./paced-pipe.js";

/** 1 MB/s = 1,000,000 bytes per second (the unit of the `--…-mbps` flags). */
export const MB = 1_000_000;

/** Options of {@link startLink}. */
export interface LinkOptions {
  /** Where the link leads (host and port of the far side's endpoint). */
  readonly upstream: { readonly host: string; readonly port: number };
  /** Round-trip time the link adds, in ms; each direction gets half. @default 200 */
  readonly rttMs?: number;
  /** Each connection's cap per direction, in bytes per second. @default 1 MB/s */
  readonly perConnectionBytesPerSec?: number;
  /** The whole link's cap per direction, in bytes per second. @default none */
  readonly totalBytesPerSec?: number;
  /** Round trips before a new connection carries data (1 = TCP; 2–3 would stand for TLS). @default 1 */
  readonly handshakeRtts?: number;
  /** Local port to listen on (127.0.0.1). @default 0 (any free port) */
  readonly port?: number;
}

/** A running link. */
export interface Link {
  /** `http://127.0.0.1:<port>`: the endpoint to give the client instead of the upstream's. */
  readonly url: string;
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: () => number;
  close(): Promise<void>;
}

/**
 * Starts a link in front of `upstream`.
 *
 * @example
 * const link = await startLink({ upstream: { host: "127.0.0.1", port: 7481 }, rttMs: 200 });
 * // point the client at link.url, then: await link.close();
 */
export async function startLink(options: LinkOptions): Promise<Link> {
  const rttMs = options.rttMs ?? 200;
  const perConnection = options.perConnectionBytesPerSec ?? MB;
  const totals = [options.totalBytesPerSec, options.totalBytesPerSec].map((bytesPerSec) =>
    bytesPerSec === undefined ? undefined : { bytesPerSec, freeAt: 0 },
  );
  // What one connection can have in flight: its bandwidth-delay product, at least 64 KiB.
  const windowBytes = Math.max(64 * 1024, (perConnection * rttMs) / 1000) * 2;
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    accepted++;
    const upstream = connect({
      host: options.upstream.host,
      port: options.upstream.port,
      allowHalfOpen: true,
      noDelay: true,
    });
    for (const s of [client, upstream]) sockets.add(s);
    const notBefore = performance.now() + rttMs * (options.handshakeRtts ?? 1);
    const rate = (): RateClock => ({ bytesPerSec: perConnection, freeAt: 0 });
    const sliceBytes = pacingSliceBytes(perConnection, rttMs / 2);
    const common = { delayMs: rttMs / 2, windowBytes, notBefore, sliceBytes };
    const pipes = [
      new PacedPipe(client, upstream, { ...common, rate: rate(), total: totals[0] }),
      new PacedPipe(upstream, client, { ...common, rate: rate(), total: totals[1] }),
    ];
    // An error (reset) on either side resets the other at once: no delay, simpler, and rare.
    const reset = () => {
      for (const p of pipes) p.stop();
      client.destroy();
      upstream.destroy();
    };
    // A clean close needs nothing: each side's FIN travels through its pipe like data.
    for (const s of [client, upstream]) {
      s.on("error", reset);
      s.on("close", () => sockets.delete(s));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections: () => accepted,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
