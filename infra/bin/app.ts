/**
 * The CDK app: `node --import tsx bin/app.ts` (`pnpm synth` from the root, or the CDK CLI through
 * cdk.json). Bundles the worker and the jobsender (host programs and Lambda handlers), reads the settings from CDK context or a JSON
 * file (see infra/README.md), and synthesizes the stack into `infra/cdk.out` with no AWS call.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "@s3-migration/common";
import { App } from "aws-cdk-lib";
import { contextFromArgv, readAppConfig } from "../lib/app-config.js";
import { bundleApps } from "../lib/bundle-apps.js";
import { resolveSettings } from "../lib/migration-settings.js";
import { MigrationStack } from "../lib/migration-stack.js";

const infraDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");

try {
  const app = new App({
    outdir: process.env.CDK_OUTDIR ?? join(infraDir, "cdk.out"),
    context: contextFromArgv(process.argv.slice(2)),
  });
  const config = readAppConfig(
    (key) => app.node.tryGetContext(key),
    (path) => readFileSync(path, "utf8"),
    join(infraDir, "config", "example.json"),
  );
  // Checked once before bundling, so a bad setting fails fast; the stack checks them again.
  const { nodejsMajorVersion } = resolveSettings(config.settings);
  const bundle = bundleApps(resolve(infraDir, ".."), join(infraDir, "dist", "bundle"), {
    lambdaNodeMajor: nodejsMajorVersion,
  });
  new MigrationStack(app, config.stackName, {
    settings: config.settings,
    bundleDir: bundle.dir,
    description:
      "s3-migration: queue, status table, worker (fleet and/or Lambda), jobsender, dashboard",
  });
  app.synth();
  process.stderr.write(
    `synthesized ${config.stackName} from ${config.configFile ?? "context"} (bundled: ${bundle.programs.join(", ")})\n`,
  );
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`infra: ${err.message}\n`);
  process.exitCode = 2;
}
