import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "integration",
    include: ["**/*.integ.test.ts"],
    globalSetup: ["./local-stack/global-setup.ts"],
    // One file at a time: the files share one radosgw (the e2e file stops and restarts it) and
    // two cores; parallel files would make each other's timing-sensitive faults flaky.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
