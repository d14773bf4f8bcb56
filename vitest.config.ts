import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: ["packages/*", "infra", "test"],
    // The JSON report lets .ci/run print one plain "N passed, N failed" line.
    reporters: ["default", ["json", { outputFile: ".local/test-results.json" }]],
  },
});
