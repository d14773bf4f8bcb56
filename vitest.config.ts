import { defineConfig } from "vitest/config";

// The AWS SDK prints an eight-line warning about Node 20 from every process that builds a
// client: the test workers, the global setup and every worker/jobsender process the tests
// spawn (they inherit this environment). The log should show results, not that warning.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export default defineConfig({
  test: {
    projects: ["packages/*", "infra", "test"],
    // The JSON report lets .ci/run print one plain "N passed, N failed" line.
    reporters: ["default", ["json", { outputFile: ".local/test-results.json" }]],
  },
});
