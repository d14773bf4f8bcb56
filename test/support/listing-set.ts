import { PutObjectCommand } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import type { WorkerFixture } from "./worker-fixture.js";

/** Source keys: nested prefixes, unicode (astral and high-BMP, which JS sorts wrongly), spaces. */
export const listingKeyOf = (i: number) =>
  [`a/${i}.txt`, `b/深/${i} x.bin`, `c😀/${i}`, `c～/${i}`, `top-${i}`][i % 5] as string;

/** Objects of the listing set. */
export const LISTING_COUNT = 2000;

/**
 * The jobsender's listing set: 2,000 source objects under `data/` (keys of {@link listingKeyOf});
 * the destination (under `copy/`) has 1,900 of them, 100 of those with another size (all under
 * `b/`), and 20 destination-only objects; the 100 missing ones are every 20th from 7 (under
 * `c😀/`). Answers the source keys (`data/…`) missing and resized.
 */
export async function provisionListingSet(
  f: WorkerFixture,
): Promise<{ missing: string[]; resized: string[] }> {
  const missing: string[] = [];
  const resized: string[] = [];
  const limit = pLimit(16);
  const puts: Promise<unknown>[] = [];
  const putTo = (side: "sourceS3" | "destinationS3", Bucket: string, Key: string, Body: Buffer) =>
    puts.push(limit(() => f.clients[side].send(new PutObjectCommand({ Bucket, Key, Body }))));
  for (let i = 0; i < LISTING_COUNT; i++) {
    const key = listingKeyOf(i);
    const body = Buffer.alloc(10 + (i % 50), i % 256);
    putTo("sourceS3", f.srcBucket, `data/${key}`, body);
    if (i % 20 === 7) {
      missing.push(`data/${key}`);
      continue;
    }
    const isResized = i % 20 === 11;
    if (isResized) resized.push(`data/${key}`);
    putTo(
      "destinationS3",
      f.dstBucket,
      `copy/${key}`,
      isResized ? Buffer.alloc(body.length + 1) : body,
    );
  }
  for (let i = 0; i < 20; i++) {
    putTo("destinationS3", f.dstBucket, `copy/zz-extra-${i}`, Buffer.from("x"));
  }
  await Promise.all(puts);
  return { missing, resized };
}
