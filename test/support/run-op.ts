import { execFile } from "node:child_process";
import { join } from "node:path";
import { LOCAL_INI, ROOT } from "./local-stack.js";

/** Runs one operator command (`status`, `cleanup`, `redrive`, `verify`) as a process. */
export function runOp(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const main = join(ROOT, "packages", "jobsender", "src", "ops", `${command}-main.ts`);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", main, "--config", LOCAL_INI, ...args],
      { cwd: ROOT, env: { ...process.env, ...env } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
