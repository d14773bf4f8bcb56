import { createHash, randomBytes } from "node:crypto";
import { connect, createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LinkOptions, startLink } from "./link.js";
import { pacingSliceBytes } from "./paced-pipe.js";

// The emulator's own contract, measured on the wall clock with lower bounds (a link can only be
// slower than asked on a loaded machine, never faster) and one generous upper bound where the
// contract is "not shared". Speed of the tools is measured in run-long-haul.ts, not here.

/**
 * The far side: a client sends `U<len>` + len bytes and gets back the MD5 of what arrived
 * (an upload), or `D<len>` and gets len bytes (a download).
 */
let upstream: Server;
let port = 0;

beforeAll(async () => {
  upstream = createServer((socket) => {
    let head = Buffer.alloc(0);
    let want = -1;
    let got = 0;
    const md5 = createHash("md5");
    socket.on("data", (data: Buffer) => {
      let chunk = data;
      if (want < 0) {
        head = Buffer.concat([head, data]);
        const nl = head.indexOf("\n");
        if (nl < 0) return;
        const [mode, len] = [head.toString("latin1", 0, 1), Number(head.toString("latin1", 1, nl))];
        want = len;
        if (mode === "D") return void socket.end(Buffer.alloc(len, 7));
        chunk = head.subarray(nl + 1);
      }
      md5.update(chunk);
      got += chunk.length;
      if (got === want) socket.end(md5.digest("hex"));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", () => resolve()));
  port = (upstream.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => upstream.close(resolve));
});

/** One exchange through the link; resolves with what came back and how long it took (ms). */
function exchange(linkPort: number, request: Buffer): Promise<{ answer: Buffer; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port: linkPort });
    const parts: Buffer[] = [];
    socket.on("data", (d: Buffer) => parts.push(d));
    socket.on("end", () => {
      resolve({ answer: Buffer.concat(parts), ms: performance.now() - started });
      socket.end();
    });
    socket.on("error", reject);
    socket.write(request);
  });
}

const upload = (body: Buffer) => Buffer.concat([Buffer.from(`U${body.length}\n`), body]);
const download = (len: number) => Buffer.from(`D${len}\n`);

async function withLink<T>(options: Omit<LinkOptions, "upstream">, fn: (p: number) => Promise<T>) {
  const link = await startLink({ upstream: { host: "127.0.0.1", port }, ...options });
  try {
    return await fn(link.port);
  } finally {
    await link.close();
  }
}

describe("startLink", () => {
  it("makes a request wait for the handshake and one round trip", async () => {
    // Prepare
    const options = { rttMs: 150, handshakeRtts: 1, perConnectionBytesPerSec: 10e6 };
    // Act
    const { answer, ms } = await withLink(options, (p) => exchange(p, download(10)));
    // Assess
    expect(answer.length).toBe(10);
    expect(ms).toBeGreaterThanOrEqual(2 * 150 * 0.95);
  });

  it("delivers every byte in order", async () => {
    // Prepare
    const body = randomBytes(300_000);
    // Act
    const { answer } = await withLink({ rttMs: 20, perConnectionBytesPerSec: 5e6 }, (p) =>
      exchange(p, upload(body)),
    );
    // Assess
    expect(answer.toString()).toBe(createHash("md5").update(body).digest("hex"));
  });

  it("caps one connection's upload at its rate", async () => {
    // Prepare: 1 MB at 1 MB/s
    const body = randomBytes(1_000_000);
    // Act
    const { ms } = await withLink({ rttMs: 10, perConnectionBytesPerSec: 1e6 }, (p) =>
      exchange(p, upload(body)),
    );
    // Assess
    expect(ms).toBeGreaterThanOrEqual(1000 * 0.95);
  });

  it("gives each connection its own cap", async () => {
    // Prepare: two downloads of 250 kB at 250 kB/s each: 1 s if the caps are separate, 2 s if shared
    const options = { rttMs: 10, perConnectionBytesPerSec: 250_000 };
    // Act
    const times = await withLink(options, (p) =>
      Promise.all([exchange(p, download(250_000)), exchange(p, download(250_000))]),
    );
    // Assess
    for (const { answer, ms } of times) {
      expect(answer.length).toBe(250_000);
      expect(ms).toBeGreaterThanOrEqual(1000 * 0.95);
      expect(ms).toBeLessThan(1750);
    }
  });

  it("shares the total cap between connections", async () => {
    // Prepare: the same two downloads, the whole link capped at one connection's rate
    const options = { rttMs: 10, perConnectionBytesPerSec: 250_000, totalBytesPerSec: 250_000 };
    // Act
    const times = await withLink(options, (p) =>
      Promise.all([exchange(p, download(125_000)), exchange(p, download(125_000))]),
    );
    // Assess
    expect(Math.max(...times.map((t) => t.ms))).toBeGreaterThanOrEqual(1000 * 0.95);
  });
});

describe("pacingSliceBytes", () => {
  it("releases one one-way delay's worth of bytes at once, between 16 KiB and 128 KiB", () => {
    expect(pacingSliceBytes(1_000_000, 100)).toBe(100_000);
    expect(pacingSliceBytes(1_000_000, 5)).toBe(16 * 1024);
    expect(pacingSliceBytes(100_000_000, 150)).toBe(128 * 1024);
  });
});
