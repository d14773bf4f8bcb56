import { execFileSync } from "node:child_process";
import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { readStackEnv } from "./local-stack.js";

/**
 * Deletes every object (every version and delete marker, for buckets a test made versioned)
 * and unfinished upload of a bucket, then the bucket.
 */
export async function deleteBucket(s3: S3Client, bucket: string): Promise<void> {
  await deleteVersions(s3, bucket);
  for (;;) {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key }));
    if (keys.length === 0) break;
    await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }),
    );
  }
  const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  for (const u of uploads.Uploads ?? []) {
    await s3.send(
      new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }),
    );
  }
  // A bucket that cannot be deleted (left non-empty by a racing writer) is reported, not hidden.
  await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch((err: unknown) => {
    process.stderr.write(`test cleanup: bucket ${bucket} not deleted: ${String(err)}\n`);
  });
}

async function deleteVersions(s3: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const versions = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({
      Key: v.Key,
      VersionId: v.VersionId,
    }));
    if (versions.length === 0) return;
    await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: versions, Quiet: true } }),
    );
  }
}

/** Deletes every bucket whose name matches, on one side. */
export async function deleteBuckets(
  s3: S3Client,
  match: (name: string) => boolean,
): Promise<number> {
  const out = await s3.send(new ListBucketsCommand({}));
  const names = (out.Buckets ?? []).map((b) => b.Name ?? "").filter(match);
  for (const name of names) await deleteBucket(s3, name);
  return names.length;
}

/**
 * Frees the memstore at once: RGW keeps deleted data until its garbage collection runs (a
 * full memstore makes PUTs hang rather than fail).
 */
export function collectGarbage(): void {
  const conf = readStackEnv().LOCAL_CEPH_CONF;
  if (conf === undefined) return;
  execFileSync("timeout", ["120", "radosgw-admin", "-c", conf, "gc", "process", "--include-all"], {
    stdio: "ignore",
  });
}
