/**
 * The benchmark over HTTPS, as the fleet talks to S3: a second radosgw on the running cluster
 * (same OSD, same tenants and keys) serving only TLS on 127.0.0.1:7443 with a self-signed
 * certificate, and the files that point both tools at it. The local stack itself stays plain
 * HTTP; the benchmark's own set-up, emptying and verification keep using it.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:https";
import { join } from "node:path";
import { ROOT, readStackEnv, STACK_ENV_FILE } from "../../test/support/local-stack.js";

const TLS_DIR = join(ROOT, ".local", "bench", "tls");
const PORT = Number(process.env.LOCAL_RGW_TLS_PORT ?? 7443);

/** A running TLS radosgw and what a copier needs to use it. */
export interface TlsGateway {
  /** `https://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** The self-signed certificate, for NODE_EXTRA_CA_CERTS and rclone's `--ca-cert`. */
  readonly caFile: string;
  readonly pid: number;
  /** Variables for our copier: the stack's env and credentials files, rewritten to HTTPS. */
  readonly copierEnv: Record<string, string>;
  stop(): void;
}

/** Starts the TLS radosgw (certificate made once) and waits until it answers. */
export async function startTlsGateway(): Promise<TlsGateway> {
  mkdirSync(TLS_DIR, { recursive: true });
  const { caFile, certAndKey } = ensureCertificate();
  const child = spawnGateway(certAndKey);
  child.unref();
  const endpoint = `https://127.0.0.1:${PORT}`;
  const stop = () => {
    try {
      process.kill(child.pid ?? -1, "SIGTERM");
    } catch {
      // already gone
    }
  };
  if (!(await answers(endpoint, caFile))) {
    stop();
    throw new Error(`the TLS radosgw did not answer on ${endpoint}; see ${TLS_DIR}/rgw.log`);
  }
  return {
    endpoint,
    caFile,
    pid: child.pid ?? -1,
    copierEnv: writeCopierFiles(endpoint, caFile),
    stop,
  };
}

/**
 * The self-signed certificate for 127.0.0.1 (made on first use, then kept) and the
 * certificate-plus-key file radosgw's `ssl_certificate` wants.
 */
function ensureCertificate(): { readonly caFile: string; readonly certAndKey: string } {
  const caFile = join(TLS_DIR, "cert.pem");
  const keyFile = join(TLS_DIR, "key.pem");
  if (!existsSync(caFile)) {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "3650",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        keyFile,
        "-out",
        caFile,
      ],
      { stdio: "ignore" },
    );
  }
  const certAndKey = join(TLS_DIR, "cert-and-key.pem");
  writeFileSync(certAndKey, readFileSync(caFile, "utf8") + readFileSync(keyFile, "utf8"), {
    mode: 0o600,
  });
  return { caFile, certAndKey };
}

/** A second radosgw on the stack's cluster, serving only TLS, with its own fresh data folder. */
function spawnGateway(certAndKey: string): ChildProcess {
  const conf = readStackEnv().LOCAL_CEPH_CONF ?? join(ROOT, ".local", "ceph", "ceph.conf");
  const data = join(TLS_DIR, "rgw-data");
  rmSync(data, { recursive: true, force: true });
  return spawn(
    "radosgw",
    [
      "-c",
      conf,
      "-n",
      "client.rgw.tls",
      "-f",
      // as client.rgw.a in the stack's ceph.conf (auth is none; see stack.sh)
      "--ms-mon-client-mode=crc",
      "--rgw-thread-pool-size=128",
      `--rgw-data=${data}`,
      `--admin-socket=${join(TLS_DIR, "rgw.asok")}`,
      `--log-file=${join(TLS_DIR, "rgw.log")}`,
      `--rgw-frontends=beast ssl_endpoint=127.0.0.1:${PORT} ssl_certificate=${certAndKey}`,
    ],
    { stdio: "ignore", detached: true },
  );
}

/** Copies of the stack's env and credentials files with both S3 endpoints on the gateway. */
function writeCopierFiles(endpoint: string, caFile: string): Record<string, string> {
  const stackEnv = join(TLS_DIR, "stack.env");
  writeFileSync(
    stackEnv,
    readFileSync(STACK_ENV_FILE, "utf8").replace(
      /^AWS_ENDPOINT_URL_S3=.*$/m,
      `AWS_ENDPOINT_URL_S3=${endpoint}`,
    ),
    { mode: 0o600 },
  );
  const credentials = join(TLS_DIR, "credentials.json");
  const cn = JSON.parse(readFileSync(join(ROOT, ".local", "credentials.json"), "utf8"));
  writeFileSync(credentials, JSON.stringify({ ...cn, endpoint }), { mode: 0o600 });
  return {
    LOCAL_STACK_ENV: stackEnv,
    S3MIG_ssm_parameter_credentials: `file:${credentials}`,
    NODE_EXTRA_CA_CERTS: caFile,
  };
}

async function answers(endpoint: string, caFile: string): Promise<boolean> {
  const ca = readFileSync(caFile);
  const once = () =>
    new Promise<boolean>((resolve) => {
      const req = get(`${endpoint}/`, { ca, timeout: 2_000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on("error", () => resolve(false));
      req.on("timeout", () => req.destroy());
    });
  for (let i = 0; i < 60; i++) {
    if (await once()) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}
