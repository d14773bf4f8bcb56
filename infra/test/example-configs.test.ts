import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { readAppConfig } from "../lib/app-config.js";
import { MigrationStack } from "../lib/migration-stack.js";
import { FIXTURE_BUNDLE } from "./stack-fixture.js";

/** The stack `pnpm synth -c config=config/<file>` builds (against the stand-in bundle). */
function synthExample(file: string): { stack: MigrationStack; template: Template } {
  const path = fileURLToPath(new URL(`../config/${file}`, import.meta.url));
  const config = readAppConfig(
    (key) => (key === "config" ? path : undefined),
    (p) => readFileSync(p, "utf8"),
    path,
  );
  const stack = new MigrationStack(new App(), config.stackName, {
    settings: config.settings,
    bundleDir: FIXTURE_BUNDLE,
  });
  return { stack, template: Template.fromStack(stack) };
}

const count = (template: Template, type: string) =>
  Object.keys(template.findResources(type)).length;

describe("the example settings files in infra/config", () => {
  it.each([
    // file, worker fleet groups + jobsender groups, worker functions, schedule rules
    ["example.json", "fleet", "host", 2, 0, 0],
    ["example-lambda.json", "lambda", "lambda", 0, 1, 1],
    ["example-hybrid.json", "hybrid", "host", 2, 1, 0],
  ] as const)(
    "%s synthesizes offline: workerMode %s, jobsenderMode %s",
    (file, workerMode, jobsenderMode, groups, mappings, rules) => {
      // Act
      const { stack, template } = synthExample(file);
      // Assess
      expect(stack.settings).toMatchObject({ workerMode, jobsenderMode });
      expect(count(template, "AWS::AutoScaling::AutoScalingGroup")).toBe(groups);
      expect(count(template, "AWS::Lambda::EventSourceMapping")).toBe(mappings);
      expect(count(template, "AWS::Events::Rule")).toBe(rules);
    },
  );

  it("sizes the hybrid example's queue from its 300 s function timeout", () => {
    const { stack } = synthExample("example-hybrid.json");
    expect(stack.settings.visibilityTimeoutSeconds).toBe(1800);
    expect(stack.newObjects).toBeDefined();
  });
});
