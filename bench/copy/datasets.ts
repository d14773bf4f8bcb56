/**
 * The benchmark's datasets, generated deterministically from a seed: the same keys, sizes and
 * bytes on every machine. Content is an AES-256-CTR keystream keyed by (seed, key): incompressible
 * and fast to make. Generation is not timed.
 */
import { createCipheriv, createHash } from "node:crypto";
import { seededRandom } from "../../packages/jobsender/src/testing/random-keys.js";
import { forEachLimit, listAll, type S3Client, sdk } from "./s3.js";

const KIB = 1024;
const MIB = 1024 * KIB;

export interface ObjectSpec {
  readonly key: string;
  readonly size: number;
}

export interface Dataset {
  readonly name: "large" | "small" | "mixed";
  readonly description: string;
  readonly objects: readonly ObjectSpec[];
  /** PUTs in flight while generating. */
  readonly putConcurrency: number;
}

export const SEED = 20240601;

function uniform(prefix: string, count: number, size: number): ObjectSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `${prefix}/${String(i).padStart(6, "0")}.bin`,
    size,
  }));
}

/** `count` sizes log-uniform in [min, max]. */
function logUniform(prefix: string, count: number, min: number, max: number): ObjectSpec[] {
  const rand = seededRandom(SEED);
  const [lo, hi] = [Math.log(min), Math.log(max)];
  return Array.from({ length: count }, (_, i) => ({
    key: `${prefix}/${String(i).padStart(6, "0")}.bin`,
    size: Math.round(Math.exp(lo + rand() * (hi - lo))),
  }));
}

export const DATASETS: readonly Dataset[] = [
  {
    name: "large",
    description: "4 × 512 MiB",
    objects: uniform("large", 4, 512 * MIB),
    putConcurrency: 2,
  },
  {
    name: "small",
    description: "3,000 × 64 KiB",
    objects: uniform("small", 3000, 64 * KIB),
    putConcurrency: 16,
  },
  {
    name: "mixed",
    description: "200 × log-uniform 1 KiB–64 MiB",
    objects: logUniform("mixed", 200, KIB, 64 * MIB),
    putConcurrency: 4,
  },
];

export function totalBytes(d: Dataset): number {
  return d.objects.reduce((n, o) => n + o.size, 0);
}

/** The deterministic bytes of one object. */
export function content(key: string, size: number): Buffer {
  const secret = createHash("sha256").update(`${SEED}:${key}`).digest();
  const cipher = createCipheriv("aes-256-ctr", secret, Buffer.alloc(16));
  return cipher.update(Buffer.alloc(size));
}

/**
 * Puts the dataset into the bucket (single PUTs with Content-MD5, so every source ETag is the
 * object's MD5). Objects already there with the right size and MD5-shaped ETag are kept.
 */
export async function generate(s3: S3Client, bucket: string, d: Dataset): Promise<void> {
  const have = new Map((await listAll(s3, bucket)).map((o) => [o.key, o]));
  const todo = d.objects.filter((o) => {
    const got = have.get(o.key);
    return got === undefined || got.size !== o.size || !/^[0-9a-f]{32}$/.test(got.etag);
  });
  await forEachLimit(todo, d.putConcurrency, async (o) => {
    const body = content(o.key, o.size);
    await s3.send(
      new sdk.PutObjectCommand({
        Bucket: bucket,
        Key: o.key,
        Body: body,
        ContentLength: o.size,
        ContentMD5: createHash("md5").update(body).digest("base64"),
      }),
    );
  });
}
