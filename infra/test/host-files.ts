import { spawnSync } from "node:child_process";
import type { CfnElement } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { expect } from "vitest";
import type { MigrationStack } from "../lib/migration-stack.js";
import { fleetOf } from "./stack-fixture.js";
import { userDataByTemplate } from "./template-text.js";

/** The user data of the worker and jobsender hosts, references shown as `{Ref:…}`. */
export function hostUserData(stack: MigrationStack): { worker: string; jobsender: string } {
  const scripts = userDataByTemplate(Template.fromStack(stack));
  const idOf = (c: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(c.node.defaultChild as CfnElement);
  const worker = scripts[idOf(fleetOf(stack).host.launchTemplate)];
  const jobsender = stack.jobsender ? scripts[idOf(stack.jobsender.host.launchTemplate)] : "";
  expect(worker, "worker user data").toBeDefined();
  expect(jobsender, "jobsender user data").toBeDefined();
  return { worker: worker ?? "", jobsender: jobsender ?? "" };
}

/** Every file the script writes with `cat > <path> <<'S3MIG_EOF'`: path → content. */
export function writtenFiles(script: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const m of script.matchAll(/^cat > (\S+) <<'S3MIG_EOF'\n([\s\S]*?)\nS3MIG_EOF$/gm)) {
    files.set(m[1] ?? "", m[2] ?? "");
  }
  return files;
}

/** The text of one written file; fails the test when the script does not write it. */
export function writtenFile(script: string, path: string): string {
  const content = writtenFiles(script).get(path);
  expect(content, `user data writes ${path}`).toBeDefined();
  return content ?? "";
}

/**
 * The script as an instance runs it: CloudFormation's references replaced by values of the
 * same shape (the region, a bucket or log group name).
 */
export function withSampleValues(script: string): string {
  return script
    .replaceAll("{Ref:AWS::Region}", "cn-north-1")
    .replace(/\{(?:Ref|GetAtt):([^}]+)\}/g, (_, id: string) =>
      `sample-${id.replace(/[^A-Za-z0-9]/g, "")}`.toLowerCase(),
    );
}

/** Runs a command; `output` is stdout and stderr together. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): { status: number | null; output: string } {
  const r = spawnSync(command, args, { encoding: "utf8", ...options });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/**
 * Fails (never skips) when a tool the offline checks need is not installed: the project's
 * bootstrap (`bash scripts/bootstrap.sh`, through `test/local-stack/stack.sh install`)
 * installs it on every developer machine and in CI.
 */
export function requireTool(name: string): void {
  const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  if (found.status !== 0) {
    throw new Error(
      `${name} is not installed, so the rendered host scripts cannot be checked. ` +
        "Run `bash test/local-stack/stack.sh install` (or `bash scripts/bootstrap.sh`), " +
        `which installs it with apt.`,
    );
  }
}
