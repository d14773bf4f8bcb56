import type { CfnElement } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { buildStack } from "./stack-fixture.js";
import { userDataByTemplate } from "./template-text.js";

/** The text between `cat > <path> <<'S3MIG_EOF'` and its delimiter. */
function writtenFile(script: string, path: string): string {
  const start = script.indexOf(`cat > ${path} <<'S3MIG_EOF'\n`);
  expect(start, `user data writes ${path}`).toBeGreaterThanOrEqual(0);
  const body = script.slice(script.indexOf("\n", start) + 1);
  return body.slice(0, body.indexOf("\nS3MIG_EOF"));
}

describe("worker and jobsender user data", () => {
  const stack = buildStack({ jobsenderSchedule: "*-*-* 02:00:00" });
  const template = Template.fromStack(stack);
  const scripts = userDataByTemplate(template);
  const idOf = (c: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(c.node.defaultChild as CfnElement);
  const worker = scripts[idOf(stack.workers.host.launchTemplate)] ?? "";
  const jobsender = scripts[stack.jobsender ? idOf(stack.jobsender.host.launchTemplate) : ""] ?? "";
  const region = "{Ref:AWS::Region}";
  const deployBucket = `{Ref:${idOf(stack.codeDelivery.bucket)}}`;

  it("persists BBR with fair queueing in /etc/sysctl.d on both hosts and applies it", () => {
    for (const script of [worker, jobsender]) {
      expect(writtenFile(script, "/etc/sysctl.d/90-s3-migration-bbr.conf").split("\n")).toEqual([
        "net.core.default_qdisc=fq",
        "net.ipv4.tcp_congestion_control=bbr",
      ]);
      expect(script).toContain("sysctl --system");
    }
  });

  it("installs Node.js 22, the CloudWatch agent and logrotate from the distribution", () => {
    expect(worker).toMatch(/dnf install -y nodejs22 amazon-cloudwatch-agent logrotate/);
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

  it("configures the CloudWatch agent: app log to its log group, memory, disk and TCP metrics", () => {
    const config = JSON.parse(
      writtenFile(worker, "/opt/aws/amazon-cloudwatch-agent/etc/s3-migration.json").replace(
        /"\{Ref:([^}]+)\}"/g,
        '"REF:$1"',
      ),
    );
    const metrics = config.metrics.metrics_collected;
    expect(Object.keys(metrics).sort()).toEqual(["disk", "mem", "netstat"]);
    expect(metrics.netstat.measurement).toEqual(["tcp_established", "tcp_time_wait"]);
    expect(metrics.mem.append_dimensions).toEqual({ StackName: "Test", Role: "worker" });
    expect(config.logs.logs_collected.files.collect_list[0]).toEqual({
      file_path: "/var/log/s3-migration/worker.log",
      log_group_name: `REF:${idOf(stack.workers.logGroup)}`,
      log_stream_name: "{instance_id}",
    });
  });
});
