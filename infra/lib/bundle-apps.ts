import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type BuildOptions, buildSync } from "esbuild";

/**
 * The programs in the bundle: output name → entry point, relative to the repository root, and
 * where it runs: `host` (the instances, Node 20 or later) or `lambda` (the Lambda runtime
 * `nodejs<nodejsMajorVersion>.x`, whose handler file is `<name>.mjs`, exporting `handler`).
 */
export const PROGRAMS = {
  worker: { entry: "packages/worker/src/main.ts", runsOn: "host" },
  jobsender: { entry: "packages/jobsender/src/main.ts", runsOn: "host" },
  "worker-lambda": { entry: "packages/worker/src/lambda/handler.ts", runsOn: "lambda" },
  "jobsender-lambda": { entry: "packages/jobsender/src/lambda/handler.ts", runsOn: "lambda" },
} as const;

export type ProgramName = keyof typeof PROGRAMS;

/** What {@link bundleApps} produced. */
export interface BundleResult {
  readonly dir: string;
  /** Programs bundled (one whose entry point does not exist yet is absent). */
  readonly programs: readonly ProgramName[];
}

/** Options of {@link bundleApps}. */
export interface BundleOptions {
  /** Node.js major of the Lambda runtime, the Lambda programs' esbuild target. @default 22 */
  readonly lambdaNodeMajor?: number;
}

/** The esbuild options of one program: one ES module with its dependencies and a source map. */
export function programBuildOptions(
  name: ProgramName,
  entryPoint: string,
  outDir: string,
  options: BundleOptions = {},
): BuildOptions {
  const lambda = PROGRAMS[name].runsOn === "lambda";
  return {
    entryPoints: [entryPoint],
    outfile: join(outDir, `${name}.mjs`),
    bundle: true,
    platform: "node",
    // Hosts may run any supported Node (20+); a function runs exactly its runtime's.
    target: lambda ? `node${options.lambdaNodeMajor ?? 22}` : "node20",
    format: "esm",
    sourcemap: true,
    logLevel: "warning",
    // Bundled CommonJS modules (winston and friends) call require() for Node built-ins.
    banner: {
      js: 'import { createRequire as __s3migCreateRequire } from "node:module"; const require = __s3migCreateRequire(import.meta.url);',
    },
  };
}

/**
 * Bundles each program with its dependencies (AWS SDK, winston, p-limit) into one ES module,
 * `<name>.mjs` plus a source map: the instances need no `npm install`, and each function's
 * code asset is its `.mjs` with the ini beside it (see constructs/lambda-code.ts). A program
 * whose entry point does not exist yet is skipped (the caller decides what that means: the
 * stack warns and deploys no jobsender host or function).
 */
export function bundleApps(
  repoRoot: string,
  outDir: string,
  options: BundleOptions = {},
): BundleResult {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const programs: ProgramName[] = [];
  for (const name of Object.keys(PROGRAMS) as ProgramName[]) {
    const entryPoint = join(repoRoot, PROGRAMS[name].entry);
    if (!existsSync(entryPoint)) continue;
    buildSync(programBuildOptions(name, entryPoint, outDir, options));
    programs.push(name);
  }
  return { dir: outDir, programs };
}
