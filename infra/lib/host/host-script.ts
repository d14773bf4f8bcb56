import { APP_INI_NAME } from "../app-ini.js";
import { cloudWatchAgentConfig } from "./cloudwatch-agent.js";

/** Where the bundle and the config live on an instance. */
export const APP_DIR = "/opt/s3-migration/app";
/** Where the application logs go (shipped by the CloudWatch agent, rotated by logrotate). */
export const LOG_DIR = "/var/log/s3-migration";
/** Prefix of the bundle and config in the deploy bucket. */
export const DEPLOY_PREFIX = "app/";
/** The script that (re)loads the bundle and config from the deploy bucket. */
export const FETCH_SCRIPT = "/usr/local/bin/s3-migration-fetch";
/** Where the user data writes the CloudWatch agent's configuration. */
export const AGENT_CONFIG_FILE = "/opt/aws/amazon-cloudwatch-agent/etc/s3-migration.json";

/** The two lines that turn on BBR with fair queueing, persisted in /etc/sysctl.d. */
export const BBR_SYSCTL = ["net.core.default_qdisc=fq", "net.ipv4.tcp_congestion_control=bbr"];

/** What one host runs: the worker service or the jobsender timer. */
export interface HostScriptOptions {
  readonly role: "worker" | "jobsender";
  readonly stackName: string;
  /** Region the programs use (`AWS_REGION`); a token resolved by CloudFormation. */
  readonly region: string;
  readonly deployBucketName: string;
  readonly logGroupName: string;
  readonly nodejsMajorVersion: number;
  /** The systemd units to install, enable and start: file name → content. */
  readonly units: Readonly<Record<string, string>>;
  /** The unit to `enable --now` (the service or the timer). */
  readonly startUnit: string;
}

/**
 * The user data of a host (Amazon Linux 2023), as shell lines. The CloudWatch agent comes
 * first, alone in its own `dnf` transaction, and starts at once: whatever fails after it (Node,
 * the fetch, a unit), the boot log already ships to the log group and the worker-process count
 * reads 0. Then Node.js and logrotate, BBR with fq (also on the NICs already up), the bundle and
 * config from the deploy bucket, log rotation and the systemd units. Every step is idempotent,
 * so re-running it by hand is safe.
 */
export function hostScript(o: HostScriptOptions): string[] {
  return [
    "set -euxo pipefail",
    'retry() { for i in 1 2 3 4 5 6 7 8 9 10; do "$@" && return 0; sleep $((i * 6)); done; return 1; }',
    ...agentSteps(o),
    "# Node.js and logrotate",
    `retry dnf install -y nodejs${o.nodejsMajorVersion} logrotate`,
    ...bbrSteps(),
    "id s3mig >/dev/null 2>&1 || useradd --system --no-create-home --shell /sbin/nologin s3mig",
    `mkdir -p /opt/s3-migration ${LOG_DIR}`,
    "# Bundle and config from the deploy bucket (also run before every service start)",
    ...file(FETCH_SCRIPT, fetchScript(o.deployBucketName, o.region)),
    `chmod 755 ${FETCH_SCRIPT}`,
    `retry ${FETCH_SCRIPT}`,
    "# Log rotation: by size, checked hourly; copytruncate (systemd keeps the file open in append mode)",
    ...file("/etc/logrotate.d/s3-migration", LOGROTATE),
    ...file(
      "/etc/systemd/system/logrotate.timer.d/s3-migration.conf",
      "[Timer]\nOnCalendar=\nOnCalendar=hourly",
    ),
    "# systemd units",
    ...Object.entries(o.units).flatMap(([name, content]) =>
      file(`/etc/systemd/system/${name}`, content),
    ),
    "systemctl daemon-reload",
    "systemctl restart logrotate.timer || true",
    `systemctl enable --now ${o.startUnit}`,
  ];
}

/** The node command line of a program in the bundle. */
export function nodeCommand(nodejsMajorVersion: number, program: string): string {
  return `/usr/bin/node-${nodejsMajorVersion} --enable-source-maps ${programPath(program)} --config ${APP_DIR}/${APP_INI_NAME}`;
}

/** The entry script of a program in the bundle (what its command line names). */
export function programPath(program: string): string {
  return `${APP_DIR}/${program}.mjs`;
}

/** Install, configure and start the CloudWatch agent: app and boot logs, host metrics. */
function agentSteps(o: HostScriptOptions): string[] {
  const config = cloudWatchAgentConfig({
    role: o.role,
    stackName: o.stackName,
    logFile: `${LOG_DIR}/${o.role}.log`,
    logGroupName: o.logGroupName,
    // A regular expression on the command line: the dots of the path taken literally.
    processPattern: programPath(o.role).replaceAll(".", "\\."),
  });
  return [
    "# CloudWatch agent first, on its own: the boot log ships even when a later step fails",
    "retry dnf install -y amazon-cloudwatch-agent",
    ...file(AGENT_CONFIG_FILE, JSON.stringify(config, null, 2)),
    `/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:${AGENT_CONFIG_FILE}`,
  ];
}

/**
 * BBR with fair queueing, persisted for later boots and applied now. `default_qdisc` only
 * applies to qdiscs created after it is set, and the NICs' are already there: each
 * non-loopback interface gets fq as its root qdisc by hand. A failure there is logged and the
 * boot goes on (BBR paces by itself without fq, only less well).
 */
function bbrSteps(): string[] {
  return [
    "# TCP BBR with fair queueing (better throughput on the long, lossy path between partitions)",
    ...file("/etc/sysctl.d/90-s3-migration-bbr.conf", BBR_SYSCTL.join("\n")),
    ...file("/etc/modules-load.d/s3-migration-bbr.conf", "tcp_bbr"),
    "modprobe tcp_bbr",
    "sysctl --system",
    "command -v tc >/dev/null 2>&1 || dnf install -y iproute-tc || echo 's3-migration: tc not installed' >&2",
    "for path in /sys/class/net/*; do",
    '  nic=$(basename "$path")',
    '  [ "$nic" = lo ] && continue',
    '  tc qdisc replace dev "$nic" root fq || echo "s3-migration: fq not set on $nic" >&2',
    "done",
  ];
}

function fetchScript(bucket: string, region: string): string {
  return [
    "#!/bin/bash",
    "# Replaces /opt/s3-migration/app with the deploy bucket's app/ prefix (bundle + config).",
    "set -euo pipefail",
    "tmp=$(mktemp -d /opt/s3-migration/fetch.XXXXXX)",
    "trap 'rm -rf \"$tmp\"' EXIT",
    `aws s3 cp --recursive --only-show-errors --region ${region} s3://${bucket}/${DEPLOY_PREFIX} "$tmp/"`,
    'chmod -R a+rX "$tmp"',
    `rm -rf ${APP_DIR}.old`,
    `if [ -d ${APP_DIR} ]; then mv ${APP_DIR} ${APP_DIR}.old; fi`,
    `mv "$tmp" ${APP_DIR}`,
    `rm -rf ${APP_DIR}.old`,
  ].join("\n");
}

/**
 * Rotated by size alone: `size` (not `maxsize`, which rotates when the file is big OR an
 * interval has passed, and so with `hourly` every hour). The logrotate timer runs hourly.
 */
const LOGROTATE = [
  `${LOG_DIR}/*.log {`,
  "  size 500M",
  "  rotate 4",
  "  missingok",
  "  notifempty",
  "  compress",
  "  delaycompress",
  "  copytruncate",
  "}",
].join("\n");

/** A heredoc that writes `content` to `path` verbatim (quoted delimiter: no shell expansion). */
function file(path: string, content: string): string[] {
  return [`mkdir -p "$(dirname ${path})"`, `cat > ${path} <<'S3MIG_EOF'`, content, "S3MIG_EOF"];
}
