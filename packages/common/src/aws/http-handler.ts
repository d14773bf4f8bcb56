import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { withSlicedBody } from "./sliced-bodies.js";

/** Connecting must not take longer than this. */
const CONNECTION_TIMEOUT_MS = 10_000;
/**
 * A socket that moves no byte for this long fails its request (retried by the caller), so a
 * stalled connection (a dropped path without a reset, a hung server) cannot hang a 2 TB copy
 * forever: the worker's heartbeat would keep the message invisible for as long as it hangs.
 */
export const SOCKET_IDLE_TIMEOUT_MS = 60_000;

/** The SDK's Node handler, writing large in-memory bodies in slices (see `withSlicedBody`). */
class SlicingHttpHandler extends NodeHttpHandler {
  override handle(
    ...[request, options]: Parameters<NodeHttpHandler["handle"]>
  ): ReturnType<NodeHttpHandler["handle"]> {
    return super.handle(withSlicedBody(request), options);
  }
}

/**
 * The HTTP handler of every client (the lean path's requests included): keep-alive agents of
 * `maxSockets` sockets, large in-memory bodies written in 1 MiB slices, and an **idle**
 * timeout, not a total one. (In `@smithy/node-http-handler` 4.x `requestTimeout` bounds the
 * whole request and only logs a warning unless `throwOnRequestTimeout` is set; `socketTimeout`
 * is the inactivity timeout. A total timeout would fail a large part on a slow link that is
 * still moving bytes.)
 */
export function createHttpHandler(
  maxSockets: number,
  idleTimeoutMs: number = SOCKET_IDLE_TIMEOUT_MS,
): NodeHttpHandler {
  return new SlicingHttpHandler({
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    socketTimeout: idleTimeoutMs,
  });
}
