import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { type CopyJob, classifyAwsError, type Logger } from "@s3-migration/common";
import { unquote } from "../engine/hashing/checksums.js";
import type { TransferDeps } from "../engine/transfer/copy-types.js";
import type { StatusItem } from "./status-store.js";

/**
 * True when a previous attempt's `done` still holds: the source is the version it copied and
 * the destination is the object it wrote (a duplicate delivery then costs two HEADs). When
 * the HEADs fail the object is copied again (resuming any upload): an object that is gone
 * (the destination deleted since) is logged at debug, anything else at warn.
 */
export async function doneStillHolds(
  job: CopyJob,
  item: StatusItem,
  deps: Pick<TransferDeps, "source" | "destination">,
  log: Logger,
): Promise<boolean> {
  if (item.dstEtag === undefined || item.sourceEtag === undefined) return false;
  const { source, destination } = deps;
  try {
    const [src, dst] = await Promise.all([
      source.send(new HeadObjectCommand({ Bucket: job.srcBucket, Key: job.srcKey })),
      destination.send(new HeadObjectCommand({ Bucket: job.dstBucket, Key: job.dstKey })),
    ]);
    return (
      unquote(src.ETag) === item.sourceEtag &&
      dst.ContentLength === src.ContentLength &&
      unquote(dst.ETag) === item.dstEtag
    );
  } catch (err) {
    const level = classifyAwsError(err) === "object" ? "debug" : "warn";
    log.log(level, "duplicate check failed, copying again", { error: err });
    return false;
  }
}
