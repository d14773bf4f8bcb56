import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "jobsender", include: ["src/**/*.test.ts"] },
});
