import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { bundleApps, PROGRAMS, programBuildOptions } from "../lib/bundle-apps.js";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "s3mig-bundle-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("programBuildOptions", () => {
  it("targets the Lambda runtime's Node for the handlers, Node 20 for the hosts, as ES modules", () => {
    // Act
    const lambda = programBuildOptions("worker-lambda", "entry.ts", "/out", {
      lambdaNodeMajor: 24,
    });
    const host = programBuildOptions("worker", "entry.ts", "/out", { lambdaNodeMajor: 24 });
    // Assess
    expect(lambda).toMatchObject({
      target: "node24",
      format: "esm",
      outfile: "/out/worker-lambda.mjs",
    });
    expect(host).toMatchObject({ target: "node20", format: "esm", outfile: "/out/worker.mjs" });
    expect(programBuildOptions("jobsender-lambda", "e.ts", "/out").target).toBe("node22");
  });
});

describe("bundleApps", () => {
  it("bundles the Lambda worker into one module that exports the handler", async () => {
    // Act
    const out = join(scratch, "real");
    const result = bundleApps(REPO_ROOT, out, { lambdaNodeMajor: 22 });
    const mod = await import(pathToFileURL(join(out, "worker-lambda.mjs")).href);
    // Assess
    expect(result.programs).toEqual(expect.arrayContaining(["worker", "worker-lambda"]));
    expect(typeof mod.handler).toBe("function");
    expect(existsSync(join(out, "worker-lambda.mjs.map"))).toBe(true);
    const jobsenderLambda = existsSync(join(REPO_ROOT, PROGRAMS["jobsender-lambda"].entry));
    expect(result.programs.includes("jobsender-lambda")).toBe(jobsenderLambda);
  }, 120_000);

  it("skips a program whose entry point does not exist yet", () => {
    // Prepare: a repository with the worker's Lambda handler only.
    const repo = join(scratch, "repo");
    const entry = join(repo, PROGRAMS["worker-lambda"].entry);
    mkdirSync(dirname(entry), { recursive: true });
    writeFileSync(entry, "export const handler = async () => ({ batchItemFailures: [] });\n");
    // Act
    const result = bundleApps(repo, join(scratch, "partial"));
    // Assess
    expect(result.programs).toEqual(["worker-lambda"]);
    expect(readdirSync(result.dir).sort()).toEqual(["worker-lambda.mjs", "worker-lambda.mjs.map"]);
  });
});
