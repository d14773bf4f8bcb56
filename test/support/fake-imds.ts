import { createServer, type Server } from "node:http";

/** A fake EC2 instance metadata service (IMDSv2) on loopback. */
export async function fakeImds(): Promise<{
  url: string;
  interrupt: () => void;
  close: () => void;
}> {
  let interrupted = false;
  const server: Server = createServer((req, res) => {
    if (req.method === "PUT" && req.url === "/latest/api/token") return void res.end("token-1");
    if (req.headers["x-aws-ec2-metadata-token"] !== "token-1") return void res.writeHead(401).end();
    if (req.url === "/latest/meta-data/instance-id") return void res.end("i-0123456789abcdef0");
    if (req.url === "/latest/meta-data/spot/instance-action" && interrupted) {
      return void res.end('{"action":"terminate","time":"2026-11-21T23:00:00Z"}');
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    interrupt: () => {
      interrupted = true;
    },
    close: () => server.close(),
  };
}
