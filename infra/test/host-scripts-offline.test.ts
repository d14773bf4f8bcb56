import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hostUserData, requireTool, run, withSampleValues, writtenFiles } from "./host-files.js";
import { buildStack } from "./stack-fixture.js";

const work = mkdtempSync(join(tmpdir(), "s3mig-host-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Writes `content` under the test's temporary folder and returns the path. */
function put(path: string, content: string, mode = 0o644): string {
  const full = join(work, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, content.endsWith("\n") ? content : `${content}\n`);
  chmodSync(full, mode);
  return full;
}

const { worker, jobsender } = hostUserData(buildStack({ jobsenderSchedule: "*-*-* 02:00:00" }));
const hosts = [
  ["worker", withSampleValues(worker)],
  ["jobsender", withSampleValues(jobsender)],
] as const;

/** The user data, then every script it writes (files starting with `#!`). */
function scriptsOf(role: string, userData: string): [string, string][] {
  const written = [...writtenFiles(userData)].filter(([, content]) => content.startsWith("#!"));
  return [
    [`${role}/user-data.sh`, userData],
    ...written.map(([path, content]): [string, string] => [`${role}/scripts${path}`, content]),
  ];
}

describe.each(hosts)("the %s host's user data, checked offline", (role, userData) => {
  const scripts = scriptsOf(role, userData);

  it("writes at least one script besides the user data (the fetch script)", () => {
    expect(scripts.map(([name]) => name)).toContain(
      `${role}/scripts/usr/local/bin/s3-migration-fetch`,
    );
  });

  it("parses with bash -n, as do the scripts it writes", () => {
    for (const [name, content] of scripts) {
      // Act
      const r = run("bash", ["-n", put(name, content)]);
      // Assess
      expect(r.output, name).toBe("");
      expect(r.status, name).toBe(0);
    }
  });

  it("has no shellcheck finding, nor have the scripts it writes", () => {
    requireTool("shellcheck");
    for (const [name, content] of scripts) {
      // Act
      const r = run("shellcheck", ["--shell=bash", "--format=gcc", put(name, content)]);
      // Assess
      expect(r.output, name).toBe("");
      expect(r.status, name).toBe(0);
    }
  });

  it("has units and a logrotate timer drop-in that systemd-analyze verify accepts", () => {
    requireTool("systemd-analyze");
    // Prepare: the units as written, beside stand-ins for the distribution's logrotate units.
    const dir = join(work, role, "units");
    const units: string[] = [];
    for (const [path, content] of writtenFiles(userData)) {
      if (!path.startsWith("/etc/systemd/system/")) continue;
      const name = path.slice("/etc/systemd/system/".length);
      put(join(role, "units", name), content);
      if (!name.includes("/")) units.push(join(dir, name));
    }
    put(
      join(role, "units", "logrotate.timer"),
      "[Unit]\nDescription=stand-in\n[Timer]\nOnCalendar=daily\n",
    );
    put(
      join(role, "units", "logrotate.service"),
      "[Unit]\nDescription=stand-in\n[Service]\nType=oneshot\nExecStart=/bin/true\n",
    );
    // Act
    const r = run("systemd-analyze", [
      "verify",
      "--man=no",
      ...units,
      join(dir, "logrotate.timer"),
    ]);
    // Assess: every line is a finding, but for programs only the instance has (see below).
    const findings = r.output
      .split("\n")
      .filter((l) => l !== "" && !providedByUserData(userData, l));
    expect(units.length).toBeGreaterThan(0);
    expect(findings).toEqual([]);
  });
});

describe("the jobsender timer", () => {
  it("runs a unit the user data installs (systemd-analyze verify does not check Unit=)", () => {
    const files = writtenFiles(jobsender);
    const timer = files.get("/etc/systemd/system/s3-migration-jobsender.timer") ?? "";
    const unit = /^Unit=(.+)$/m.exec(timer)?.[1];
    expect(unit, "the timer names its unit").toBeDefined();
    expect(files.has(`/etc/systemd/system/${unit}`), `${unit} is installed`).toBe(true);
  });
});

/**
 * `systemd-analyze verify` also checks that each `ExecStart` program exists on this machine.
 * Node.js (`/usr/bin/node-<major>`, from the `nodejs<major>` package) and the files the user
 * data writes exist only on the instance: only those lines are let through.
 */
function providedByUserData(userData: string, line: string): boolean {
  const missing = /^\S+: Command (\S+) is not executable: No such file or directory$/.exec(line);
  if (!missing) return false;
  const node = /dnf install -y nodejs(\d+)\b/.exec(userData)?.[1];
  return missing[1] === `/usr/bin/node-${node}` || writtenFiles(userData).has(missing[1] ?? "");
}

describe("fq on the NICs already up", () => {
  it("replaces the root qdisc of every non-loopback interface, and a failing tc does not stop the boot", () => {
    // Prepare: the user data's lines after `sysctl --system` up to the interface loop's end,
    // with a `tc` that records its arguments and fails.
    const lines = worker.split("\n");
    const from = lines.indexOf("sysctl --system") + 1;
    const to = lines.indexOf("done", from);
    expect(from, "sysctl --system in the user data").toBeGreaterThan(0);
    expect(to, "a loop after sysctl --system").toBeGreaterThan(from);
    const calls = join(work, "tc-calls");
    const bin = dirname(put("bin/tc", `#!/bin/sh\necho "$*" >> ${calls}\nexit 1\n`, 0o755));
    const snippet = ["set -euo pipefail", ...lines.slice(from, to + 1)].join("\n");
    // Act
    const r = run("bash", ["-c", snippet], {
      env: { ...process.env, PATH: `${bin}:/usr/bin:/bin` },
    });
    // Assess
    expect(r.status, r.output).toBe(0);
    const nics = readdirSync("/sys/class/net").filter((n) => n !== "lo");
    expect(nics.length, "this machine has a non-loopback interface").toBeGreaterThan(0);
    expect(run("cat", [calls]).output.split("\n").filter(Boolean).sort()).toEqual(
      nics.map((n) => `qdisc replace dev ${n} root fq`).sort(),
    );
    expect(r.output).toContain(`s3-migration: fq not set on ${nics[0]}`);
  });
});

describe("logrotate configuration", () => {
  const config = writtenFiles(worker).get("/etc/logrotate.d/s3-migration") ?? "";

  /** logrotate's decision (dry run) on a file of `bytes` last rotated years ago. */
  function decision(bytes: number): string {
    requireTool("logrotate");
    const dir = mkdtempSync(join(work, "logrotate-"));
    const file = join(dir, "worker.log");
    writeFileSync(file, "");
    run("truncate", ["-s", String(bytes), file]); // sparse: no disk used
    writeFileSync(join(dir, "state"), `logrotate state -- version 2\n"${file}" 2020-1-1-10:0:0\n`);
    writeFileSync(join(dir, "conf"), config.replace("/var/log/s3-migration/", `${dir}/`));
    const r = run("logrotate", ["-d", "-s", join(dir, "state"), join(dir, "conf")]);
    expect(r.output).toContain(`considering log ${file}`);
    return /log (?:does not need|needs) rotating/.exec(r.output)?.[0] ?? r.output;
  }

  it("keeps a small log that was last rotated long ago (rotation by size, not by the hour)", () => {
    expect(decision(2_000)).toBe("log does not need rotating");
  });

  it("rotates a log over 500 MiB", () => {
    expect(decision(501 * 1024 * 1024)).toBe("log needs rotating");
  });
});
