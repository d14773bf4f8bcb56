import { describe, expect, it } from "vitest";
import { withLocalStackKeys } from "./ours-ini.js";

describe("withLocalStackKeys", () => {
  it("puts the local stack's keys at the top of [Partitions]", () => {
    // Act
    const out = withLocalStackKeys("[Basic]\nJobType = PUT\n\n[Partitions]\nRegion = us-east-1\n");
    // Assess
    expect(out).toBe(
      "[Basic]\nJobType = PUT\n\n[Partitions]\nS3ForcePathStyle = True\nPollWaitSeconds = 2\n" +
        "InstanceMetadataEndpoint = none\nRegion = us-east-1\n",
    );
  });

  it("sets each key once when the ini already sets it", () => {
    // Act
    const out = withLocalStackKeys("[Partitions]\nPollWaitSeconds = 20\nS3ForcePathStyle=False\n");
    // Assess
    expect(out.match(/PollWaitSeconds/g)).toHaveLength(1);
    expect(out).toContain("PollWaitSeconds = 2\n");
    expect(out).not.toContain("False");
  });

  it("appends a [Partitions] section when there is none", () => {
    // Act
    const out = withLocalStackKeys("[Basic]\nMaxThread = 10");
    // Assess
    expect(out).toBe(
      "[Basic]\nMaxThread = 10\n\n[Partitions]\nS3ForcePathStyle = True\nPollWaitSeconds = 2\n" +
        "InstanceMetadataEndpoint = none\n",
    );
  });
});
