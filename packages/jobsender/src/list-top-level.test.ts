import { describe, expect, it } from "vitest";
import { listTopLevelPages, type TopLevelEntry } from "./list-top-level.js";
import { createFakeS3Listing } from "./testing/fake-s3-listing.js";

async function entries(pages: AsyncIterable<TopLevelEntry[]>): Promise<string[]> {
  const out: string[] = [];
  for await (const page of pages) {
    for (const e of page) out.push(e.kind === "object" ? e.object.key : `[${e.prefix}]`);
  }
  return out;
}

describe("listTopLevelPages", () => {
  it("merges objects and common prefixes into UTF-8 order", async () => {
    // Prepare
    const keys = ["a", "a!", "a/x", "a/y/z", "a0", "～/1", "～", "😀", "😀/1", "b/c"];
    const s3 = createFakeS3Listing({ src: keys });

    // Act
    const result = await entries(listTopLevelPages(s3, { bucket: "src", prefix: "" }));

    // Assess
    expect(result).toEqual(["a", "a!", "[a/]", "a0", "[b/]", "～", "[～/]", "😀", "[😀/]"]);
    expect(s3.calls).toEqual([
      {
        Bucket: "src",
        Prefix: undefined,
        Delimiter: "/",
        MaxKeys: 1000,
        ContinuationToken: undefined,
      },
    ]);
  });

  it("pages with MaxKeys and strips the prefix", async () => {
    // Prepare
    const keys = ["p/", "p/a", "p/b/1", "p/b/2", "p/c", "p/d/1", "pq"];
    const s3 = createFakeS3Listing({ src: keys });

    // Act
    const result = await entries(
      listTopLevelPages(s3, { bucket: "src", prefix: "p", pageSize: 2 }),
    );

    // Assess
    expect(result).toEqual(["", "a", "[b/]", "c", "[d/]"]);
    expect(s3.calls).toHaveLength(3);
  });
});
