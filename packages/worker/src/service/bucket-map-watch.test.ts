import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { capturedLog } from "../testing/captured-log.js";
import { BucketMapWatch } from "./bucket-map-watch.js";

const entry = (desBucket: string) => ({
  src_bucket: "src",
  src_prefix: "",
  des_bucket: desBucket,
  des_prefix: "",
});

/** A watch over a bucket-map file, on a clock the test moves. */
function watchOver(refreshSec: number) {
  const dir = mkdtempSync(join(tmpdir(), "s3mig-map-"));
  const path = join(dir, "map.json");
  const write = (doc: unknown) =>
    writeFileSync(path, typeof doc === "string" ? doc : JSON.stringify(doc));
  let now = 1_000_000;
  const log = capturedLog();
  const watch = new BucketMapWatch(
    {
      bucketMapParameter: { kind: "file", path },
      bucketMapRefreshSec: refreshSec,
      desBucketDefault: "fallback",
      desPrefixDefault: "",
    },
    undefined,
    log.logger,
    () => now,
  );
  return { watch, write, log, tick: (ms: number) => (now += ms) };
}

describe("BucketMapWatch", () => {
  it("reads the map again once its copy is older than the refresh interval", async () => {
    // Prepare
    const { watch, write, tick } = watchOver(60);
    write([entry("dst-1")]);
    await watch.refresh();
    write([entry("dst-2")]);
    // Act
    tick(59_000);
    await watch.fresh();
    const young = watch.bucketMap.map((m) => m.desBucket);
    tick(1_000);
    await watch.fresh();
    // Assess: a copy younger than 60 s is kept; at 60 s the new map is read.
    expect(young).toEqual(["dst-1"]);
    expect(watch.bucketMap.map((m) => m.desBucket)).toEqual(["dst-2"]);
  });

  it("keeps the previous map when the new document does not validate, with a warn line", async () => {
    // Prepare
    const { watch, write, log } = watchOver(1);
    write([entry("dst-1")]);
    await watch.refresh();
    write([{ src_bucket: "src" }]);
    // Act
    await watch.refresh();
    // Assess
    expect(watch.bucketMap.map((m) => m.desBucket)).toEqual(["dst-1"]);
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        level: "warn",
        message: "bucket map not readable; S3 events keep the previous routing",
      }),
    );
  });
});
