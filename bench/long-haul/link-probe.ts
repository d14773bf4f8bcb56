/**
 * How faithful the link is under load: N connections each send 5 MiB through it at once to a
 * local sink, and each time is compared with what the link promises (handshake + size / rate
 * + one way + the answer's way back). The link is a user-space proxy on the same cores as the
 * copier and the S3 servers, so with many busy connections its own CPU makes it slower than
 * the model; this prints by how much, and the proxy's CPU.
 *
 *   node --import tsx bench/long-haul/link-probe.ts [--connections 1,44,200] [--rtt-ms 200]
 *     [--per-connection-mbps 1] [--mib 5]
 */
import { connect, createServer } from "node:net";
import { parseArgs } from "node:util";
import { MB, startLink } from "./link.js";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "1,44,200" },
    "rtt-ms": { type: "string", default: "200" },
    "per-connection-mbps": { type: "string", default: "1" },
    mib: { type: "string", default: "5" },
  },
});
const rttMs = Number(values["rtt-ms"]);
const rate = Number(values["per-connection-mbps"]) * MB;
const size = Number(values.mib) * 1024 * 1024;

/** Seconds each of `n` connections took to send `size` bytes and get the sink's answer. */
async function probe(n: number): Promise<{ times: number[]; cpuSeconds: number }> {
  const sink = createServer((socket) => {
    let got = 0;
    socket.on("data", (d) => {
      got += d.length;
      if (got >= size) socket.end("ok");
    });
  });
  await new Promise<void>((r) => sink.listen(0, "127.0.0.1", () => r()));
  const port = (sink.address() as { port: number }).port;
  const link = await startLink({
    upstream: { host: "127.0.0.1", port },
    rttMs,
    perConnectionBytesPerSec: rate,
  });
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const times = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<number>((resolve) => {
          const c = connect(link.port, "127.0.0.1", () => c.write(Buffer.alloc(size, 1)));
          c.once("data", () => {
            resolve((performance.now() - started) / 1000);
            c.destroy();
          });
        }),
    ),
  );
  const cpu = process.cpuUsage(cpu0);
  await link.close();
  sink.close();
  return { times: times.sort((a, b) => a - b), cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

const ideal = (rttMs * 2) / 1000 + size / rate;
for (const n of values.connections.split(",").map(Number)) {
  const { times, cpuSeconds } = await probe(n);
  const median = times[Math.floor(n / 2)] ?? Number.NaN;
  console.log(
    `${n} connections × ${values.mib} MiB: median ${median.toFixed(2)} s, slowest ` +
      `${(times[n - 1] ?? Number.NaN).toFixed(2)} s; the model says ${ideal.toFixed(2)} s ` +
      `(median ${(median / ideal).toFixed(2)}×); link + sink CPU ${cpuSeconds.toFixed(2)} s`,
  );
}
