import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { buildSync } from "esbuild";

/** The programs in the bundle: output name → entry point, relative to the repository root. */
export const PROGRAMS = {
  worker: "packages/worker/src/main.ts",
  jobsender: "packages/jobsender/src/main.ts",
} as const;

/** What {@link bundleApps} produced. */
export interface BundleResult {
  readonly dir: string;
  /** Programs bundled (`jobsender` is absent until its `main.ts` exists). */
  readonly programs: readonly (keyof typeof PROGRAMS)[];
}

/**
 * Bundles each program with its dependencies (AWS SDK, winston, p-limit) into one ES module,
 * `<name>.mjs` plus a source map, for Node 20+: the instances need no `npm install`. A program
 * whose entry point does not exist yet is skipped (the caller decides what that means).
 */
export function bundleApps(repoRoot: string, outDir: string): BundleResult {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const programs: (keyof typeof PROGRAMS)[] = [];
  for (const [name, entry] of Object.entries(PROGRAMS) as [keyof typeof PROGRAMS, string][]) {
    const entryPoint = join(repoRoot, entry);
    if (!existsSync(entryPoint)) continue;
    buildSync({
      entryPoints: [entryPoint],
      outfile: join(outDir, `${name}.mjs`),
      bundle: true,
      platform: "node",
      target: "node20",
      format: "esm",
      sourcemap: true,
      logLevel: "warning",
      // Bundled CommonJS modules (winston and friends) call require() for Node built-ins.
      banner: {
        js: 'import { createRequire as __s3migCreateRequire } from "node:module"; const require = __s3migCreateRequire(import.meta.url);',
      },
    });
    programs.push(name);
  }
  return { dir: outDir, programs };
}
