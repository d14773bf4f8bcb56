import { fileURLToPath } from "node:url";
import { App } from "aws-cdk-lib";
import type { CodeDelivery } from "../lib/constructs/code-delivery.js";
import type { CopyWorkers } from "../lib/constructs/copy-workers.js";
import type { MigrationSettings } from "../lib/migration-settings.js";
import { MigrationStack } from "../lib/migration-stack.js";

/** A stand-in bundle (the real one is built by bin/app.ts): the tests never need esbuild. */
export const FIXTURE_BUNDLE = fileURLToPath(new URL("./fixtures/bundle", import.meta.url));
/** A bundle without the jobsender. */
export const WORKER_ONLY_BUNDLE = fileURLToPath(new URL("./fixtures/worker-only", import.meta.url));

/** A bucket map with two sources and two destinations, one entry with prefixes. */
export const BUCKET_MAP = JSON.stringify([
  { src_bucket: "global-src-a", src_prefix: "", des_bucket: "china-dst-a", des_prefix: "" },
  {
    src_bucket: "global-src-b",
    src_prefix: "logs/",
    des_bucket: "china-dst-b",
    des_prefix: "archive/",
  },
]);

/** Builds the stack in a fresh app, as bin/app.ts would. */
export function buildStack(
  settings: MigrationSettings = {},
  bundleDir = FIXTURE_BUNDLE,
): MigrationStack {
  const app = new App();
  return new MigrationStack(app, "Test", {
    settings: { bucketMapJson: BUCKET_MAP, ...settings },
    bundleDir,
  });
}

/** The stack's worker fleet (fails the test when the mode has none). */
export function fleetOf(stack: MigrationStack): CopyWorkers {
  if (stack.workers === undefined) throw new Error("the stack has no worker fleet");
  return stack.workers;
}

/** The stack's deploy bucket (fails the test when no host needs one). */
export function codeOf(stack: MigrationStack): CodeDelivery {
  if (stack.codeDelivery === undefined) throw new Error("the stack has no deploy bucket");
  return stack.codeDelivery;
}
