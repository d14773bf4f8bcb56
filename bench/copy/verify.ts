/**
 * Checks a copy: the destination holds exactly the source's keys, each with the source's size
 * and MD5. Source objects are single PUTs, so their ETag is their MD5. A destination ETag that
 * is a plain MD5 was computed by the server over the bytes it stored; a multipart ETag
 * (`<md5>-N`) says nothing about the whole object, so that object is downloaded and hashed.
 */
import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { forEachLimit, listAll, type S3Client, sdk } from "./s3.js";

export interface Verdict {
  readonly ok: boolean;
  readonly objects: number;
  readonly downloadedObjects: number;
  readonly problems: readonly string[];
}

const PLAIN_MD5 = /^[0-9a-f]{32}$/;

export async function verifyCopy(
  src: S3Client,
  srcBucket: string,
  dst: S3Client,
  dstBucket: string,
): Promise<Verdict> {
  const source = await listAll(src, srcBucket);
  const dest = new Map((await listAll(dst, dstBucket)).map((o) => [o.key, o]));
  const problems: string[] = [];
  const download: { key: string; md5: string }[] = [];
  for (const s of source) {
    const d = dest.get(s.key);
    dest.delete(s.key);
    if (!PLAIN_MD5.test(s.etag)) problems.push(`${s.key}: source ETag ${s.etag} is not an MD5`);
    else if (d === undefined) problems.push(`${s.key}: missing`);
    else if (d.size !== s.size) problems.push(`${s.key}: ${d.size} bytes, expected ${s.size}`);
    else if (PLAIN_MD5.test(d.etag)) {
      if (d.etag !== s.etag) problems.push(`${s.key}: MD5 ${d.etag}, expected ${s.etag}`);
    } else download.push({ key: s.key, md5: s.etag });
  }
  for (const key of dest.keys()) problems.push(`${key}: not in the source`);
  await forEachLimit(download, 4, async ({ key, md5 }) => {
    const got = await md5Of(dst, dstBucket, key);
    if (got !== md5) problems.push(`${key}: downloaded MD5 ${got}, expected ${md5}`);
  });
  return {
    ok: problems.length === 0,
    objects: source.length,
    downloadedObjects: download.length,
    problems: problems.slice(0, 20),
  };
}

async function md5Of(s3: S3Client, bucket: string, key: string): Promise<string> {
  const out = await s3.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash("md5");
  for await (const chunk of out.Body as Readable) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
