/**
 * The link emulator as a process: one listening port per upstream.
 *
 *   node --import tsx bench/long-haul/link-main.ts --upstream 127.0.0.1:7481 [--port 17481] \
 *     [--rtt-ms 200] [--per-connection-mbps 1] [--total-mbps 10] [--handshake-rtts 1]
 *
 * `--upstream` and `--port` may repeat (paired in order). Prints one JSON line per link
 * (`{"upstream":…,"url":…}`), then forwards until SIGINT/SIGTERM.
 */
import { parseArgs } from "node:util";
import { MB, startLink } from "./link.js";

const { values } = parseArgs({
  options: {
    upstream: { type: "string", multiple: true, default: [] },
    port: { type: "string", multiple: true, default: [] },
    "rtt-ms": { type: "string", default: "200" },
    "per-connection-mbps": { type: "string", default: "1" },
    "total-mbps": { type: "string" },
    "handshake-rtts": { type: "string", default: "1" },
  },
});

function number(flag: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) {
    process.stderr.write(`link: --${flag}: got ${value}; expected a number ≥ ${min}\n`);
    process.exit(2);
  }
  return n;
}

if (values.upstream.length === 0) {
  process.stderr.write("link: give at least one --upstream host:port\n");
  process.exit(2);
}
const links = await Promise.all(
  values.upstream.map(async (upstream, i) => {
    const [host = "", port = ""] = upstream.split(":");
    const link = await startLink({
      upstream: { host, port: number("upstream port", port, 1) },
      rttMs: number("rtt-ms", values["rtt-ms"], 0),
      perConnectionBytesPerSec:
        number("per-connection-mbps", values["per-connection-mbps"], 0.001) * MB,
      totalBytesPerSec:
        values["total-mbps"] === undefined
          ? undefined
          : number("total-mbps", values["total-mbps"], 0.001) * MB,
      handshakeRtts: number("handshake-rtts", values["handshake-rtts"], 0),
      port: values.port[i] === undefined ? 0 : number("port", values.port[i], 0),
    });
    process.stdout.write(`${JSON.stringify({ upstream, url: link.url })}\n`);
    return link;
  }),
);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(
    signal,
    () => void Promise.all(links.map((l) => l.close())).then(() => process.exit(0)),
  );
}
