import type { CfnElement } from "aws-cdk-lib";
import { describe, expect, it } from "vitest";
import { hostUserData, writtenFile } from "./host-files.js";
import { buildStack, codeOf, fleetOf } from "./stack-fixture.js";

/** The script's commands: no comments, no heredoc bodies, no `mkdir -p` of a file's folder. */
function commands(script: string): string[] {
  const out: string[] = [];
  let inHeredoc = false;
  for (const line of script.split("\n")) {
    if (inHeredoc) inHeredoc = line !== "S3MIG_EOF";
    else if (!line.startsWith("#") && !line.startsWith('mkdir -p "$(dirname ')) out.push(line);
    if (line.endsWith("<<'S3MIG_EOF'")) inHeredoc = true;
  }
  return out.filter((l) => l.trim() !== "");
}

describe("worker and jobsender user data", () => {
  const stack = buildStack({ jobsenderSchedule: "*-*-* 02:00:00" });
  const idOf = (c: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(c.node.defaultChild as CfnElement);
  const { worker, jobsender } = hostUserData(stack);
  const agentFile = "/opt/aws/amazon-cloudwatch-agent/etc/s3-migration.json";
  const region = "{Ref:AWS::Region}";
  const deployBucket = `{Ref:${idOf(codeOf(stack).bucket)}}`;

  it("persists BBR with fair queueing in /etc/sysctl.d on both hosts and applies it", () => {
    for (const script of [worker, jobsender]) {
      expect(writtenFile(script, "/etc/sysctl.d/90-s3-migration-bbr.conf").split("\n")).toEqual([
        "net.core.default_qdisc=fq",
        "net.ipv4.tcp_congestion_control=bbr",
      ]);
      expect(script).toContain("sysctl --system");
    }
  });

  it("installs and starts the CloudWatch agent before anything else can fail", () => {
    for (const script of [worker, jobsender]) {
      const all = commands(script);
      const started = all.findIndex((c) =>
        c.includes("amazon-cloudwatch-agent-ctl -a fetch-config"),
      );
      expect(all.slice(0, started + 1)).toEqual([
        "set -euxo pipefail",
        expect.stringMatching(/^retry\(\) \{/),
        "retry dnf install -y amazon-cloudwatch-agent",
        `cat > ${agentFile} <<'S3MIG_EOF'`,
        `/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:${agentFile}`,
      ]);
    }
  });

  it("then installs Node.js 22 and logrotate from the distribution", () => {
    expect(commands(worker)).toContain("retry dnf install -y nodejs22 logrotate");
  });

  it("checks the size of the application logs every hour (logrotate timer drop-in)", () => {
    expect(writtenFile(worker, "/etc/systemd/system/logrotate.timer.d/s3-migration.conf")).toBe(
      "[Timer]\nOnCalendar=\nOnCalendar=hourly",
    );
  });

  it("fetches the bundle and config from the deploy bucket's app/ prefix in the stack's region", () => {
    expect(writtenFile(worker, "/usr/local/bin/s3-migration-fetch")).toContain(
      `aws s3 cp --recursive --only-show-errors --region ${region} s3://${deployBucket}/app/`,
    );
  });

  it("cleans up a half-fetched copy when the fetch fails", () => {
    expect(writtenFile(worker, "/usr/local/bin/s3-migration-fetch")).toContain(
      `trap 'rm -rf "$tmp"' EXIT`,
    );
  });

  it("runs the worker under systemd: restart always, control-group kill, 110 s stop timeout, AWS_REGION", () => {
    const unit = writtenFile(worker, "/etc/systemd/system/s3-migration-worker.service").split("\n");
    expect(unit).toEqual(
      expect.arrayContaining([
        "Restart=always",
        "KillMode=control-group",
        "TimeoutStopSec=110",
        `Environment=AWS_REGION=${region}`,
        "ExecStart=/usr/bin/node-22 --enable-source-maps /opt/s3-migration/app/worker.mjs --config /opt/s3-migration/app/s3_migration_config.ini",
        "StandardOutput=append:/var/log/s3-migration/worker.log",
      ]),
    );
    expect(worker).toContain("systemctl enable --now s3-migration-worker.service");
  });

  it("runs the jobsender from a timer on the configured schedule, exit 3 counting as success", () => {
    const unit = writtenFile(jobsender, "/etc/systemd/system/s3-migration-jobsender.service").split(
      "\n",
    );
    expect(unit).toEqual(
      expect.arrayContaining([
        "Type=oneshot",
        "SuccessExitStatus=3",
        `Environment=AWS_REGION=${region}`,
        "ExecStart=/usr/bin/node-22 --enable-source-maps /opt/s3-migration/app/jobsender.mjs --config /opt/s3-migration/app/s3_migration_config.ini",
      ]),
    );
    const timer = writtenFile(jobsender, "/etc/systemd/system/s3-migration-jobsender.timer");
    expect(timer.split("\n")).toContain("OnCalendar=*-*-* 02:00:00");
    expect(jobsender).toContain("systemctl enable --now s3-migration-jobsender.timer");
  });

  it("configures the CloudWatch agent: app and boot logs to the log group, host metrics", () => {
    const config = JSON.parse(
      writtenFile(worker, agentFile).replace(/"\{Ref:([^}]+)\}"/g, '"REF:$1"'),
    );
    const metrics = config.metrics.metrics_collected;
    expect(Object.keys(metrics).sort()).toEqual(["disk", "mem", "netstat", "procstat"]);
    expect(metrics.netstat.measurement).toEqual(["tcp_established", "tcp_time_wait"]);
    expect(metrics.mem.append_dimensions).toEqual({ StackName: "Test", Role: "worker" });
    expect(config.logs.logs_collected.files.collect_list[0]).toEqual({
      file_path: "/var/log/s3-migration/worker.log",
      log_group_name: `REF:${idOf(fleetOf(stack).logGroup)}`,
      log_stream_name: "{instance_id}",
    });
    expect(config.logs.logs_collected.files.collect_list[1]).toEqual({
      file_path: "/var/log/cloud-init-output.log",
      log_group_name: `REF:${idOf(fleetOf(stack).logGroup)}`,
      log_stream_name: "{instance_id}/boot",
    });
  });

  it("counts the program's processes with procstat, matching the unit's command line only", () => {
    for (const [script, role] of [
      [worker, "worker"],
      [jobsender, "jobsender"],
    ] as const) {
      const [procstat] = JSON.parse(writtenFile(script, agentFile)).metrics.metrics_collected
        .procstat;
      const unit = writtenFile(script, `/etc/systemd/system/s3-migration-${role}.service`);
      const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? "";
      const pattern = new RegExp(procstat.pattern);
      expect(procstat.measurement).toEqual(["pid_count"]);
      expect(procstat.append_dimensions).toEqual({ StackName: "Test", Role: role });
      expect(pattern.test(execStart), `${procstat.pattern} matches ${execStart}`).toBe(true);
      for (const other of [
        "/usr/local/bin/s3-migration-fetch",
        `/usr/bin/node-22 /opt/s3-migration/app/${role === "worker" ? "jobsender" : "worker"}.mjs`,
        `tail -f /opt/s3-migration/app/${role}Xmjs`,
      ]) {
        expect(pattern.test(other), other).toBe(false);
      }
    }
  });
});
