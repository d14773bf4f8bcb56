import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "integration",
    include: ["**/*.integ.test.ts"],
    globalSetup: ["./local-stack/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
