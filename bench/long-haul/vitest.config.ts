import { fileURLToPath } from "node:url";
import { defineProject } from "vitest/config";

// Not in the root vitest.config.ts's projects (bench/ is no workspace package): run with
// `pnpm exec vitest run --config bench/long-haul/vitest.config.ts`, or add "bench/long-haul"
// to the root's `projects` to make `pnpm test` run it (about 5 s). `root` keeps a run from
// this config to this folder.
export default defineProject({
  root: fileURLToPath(new URL(".", import.meta.url)),
  // Vite's cache with the root one, not in a node_modules/ beside the sources.
  cacheDir: fileURLToPath(new URL("../../node_modules/.vite/long-haul", import.meta.url)),
  test: { name: "long-haul", include: ["**/*.test.ts"], environment: "node" },
});
