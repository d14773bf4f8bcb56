/**
 * The demo's dataset: deterministic keys, sizes and bytes, so every run (and every machine)
 * generates the same objects and a second run finds nothing to do.
 */
import { createCipheriv, createHash } from "node:crypto";
import { seededRandom } from "../../packages/jobsender/src/testing/random-keys.js";

const KIB = 1024;
const MIB = 1024 * KIB;

export interface DemoObject {
  readonly key: string;
  readonly size: number;
  /** Already at the destination before the first run: identical, or with a wrong size. */
  readonly atDestination?: "same" | "wrong-size" | undefined;
}

const SHAPES = [
  (i: number) => `logs/2026/11/${String(i % 28).padStart(2, "0")}/app-${i}.log`,
  (i: number) => `images/相册/照片 ${i}.jpg`,
  (i: number) => `emoji 😀/report+final (${i}).pdf`,
  (i: number) => `data/100%/part=${i}/file.parquet`,
  (i: number) => `backups/db-${i}.tar.gz`,
  (i: number) => `folders/${i}/`,
];

/**
 * `count` objects whose sizes add up to about `totalBytes`: mostly small (1 KiB–1 MiB), some
 * medium, and the rest of the bytes in a few large ones, plus zero-byte objects and
 * "folder" keys ending in `/`. Every 10th object is already at the destination, every 25th
 * with a wrong size.
 */
export function demoObjects(count: number, totalBytes: number): DemoObject[] {
  const rand = seededRandom(20261121);
  const objects: DemoObject[] = [];
  let used = 0;
  const large = Math.max(1, Math.round(count / 150));
  for (let i = 0; i < count - large; i++) {
    const shape = SHAPES[i % SHAPES.length] ?? SHAPES[0];
    const key = shape ? shape(i) : `k${i}`;
    let size = key.endsWith("/") || i % 37 === 0 ? 0 : Math.round(KIB * 2 ** (rand() * 10));
    if (i % 40 === 3) size = Math.round(5 * MIB + rand() * 15 * MIB);
    used += size;
    objects.push({ key, size, atDestination: atDestination(i) });
  }
  const left = Math.max(0, totalBytes - used);
  for (let j = 0; j < large; j++) {
    objects.push({
      key: `videos/raw/clip-${j}.mp4`,
      size: Math.max(6 * MIB, Math.round(left / large)),
    });
  }
  return objects;
}

function atDestination(i: number): DemoObject["atDestination"] {
  if (i % 25 === 5) return "wrong-size";
  if (i % 10 === 1) return "same";
  return undefined;
}

/** The object's bytes: an AES-128-CTR keystream keyed by its key (fast, incompressible). */
export function demoBytes(object: DemoObject): Buffer {
  const key = createHash("md5").update(object.key).digest();
  const cipher = createCipheriv("aes-128-ctr", key, Buffer.alloc(16));
  return cipher.update(Buffer.alloc(object.size));
}
