import {
  type CopyJob,
  classifyAwsError,
  FatalError,
  MigrationError,
  ObjectError,
  RetryableError,
} from "@s3-migration/common";
import { copySmallObject } from "./copy-small.js";
import { copyMultipartObject } from "./multipart/copy-multipart.js";
import type { CopyCallOptions, CopyResult, TransferDeps } from "./transfer/copy-types.js";
import { SourceChangedError } from "./transfer/retry.js";
import type { TransferOptions } from "./transfer/transfer-options.js";

/**
 * Makes the destination object byte-identical to the source: one GET + PUT up to
 * `ResumableThreshold`, else a resumable multipart copy. Every failure comes out typed:
 * `ObjectError` (this object cannot be copied: record it, do not redeliver), `RetryableError`
 * (try again later; an unfinished upload stays for resume) or `FatalError` (credentials,
 * missing bucket access for the whole process), with the SDK error as `cause`.
 *
 * @example
 * const result = await copyObject(job, { source, destination, budget, options, logger }, { signal });
 * logger.info("object copied", { srcKey: job.srcKey, sizeBytes: result.bytes, partsReused: result.partsReused });
 */
export async function copyObject(
  job: CopyJob,
  deps: TransferDeps,
  call: CopyCallOptions = {},
): Promise<CopyResult> {
  const ctx = {
    ...call,
    deps,
    onRetry: (err: unknown, attempt: number) =>
      deps.logger.warn("request retried", {
        srcKey: job.srcKey,
        dstKey: job.dstKey,
        attempt,
        error: err,
      }),
  };
  const requestedVersion = requestedVersionOf(job, deps.options);
  try {
    if (job.size <= deps.options.resumableThresholdBytes) {
      const result = await copySmallObject(job, requestedVersion, ctx);
      if (result !== "too-large") return result;
    }
    return await copyMultipartObject(job, requestedVersion, ctx);
  } catch (err) {
    throw typed(err, job);
  }
}

/** The source version a copy reads: the job's, unless versions are off or the newest is asked for. */
export function requestedVersionOf(
  job: CopyJob,
  options: Pick<TransferOptions, "getObjectWithVersionId" | "updateVersionId">,
): string | undefined {
  return options.getObjectWithVersionId && !options.updateVersionId ? job.versionId : undefined;
}

function typed(err: unknown, job: CopyJob): MigrationError {
  if (err instanceof MigrationError && !(err instanceof SourceChangedError)) return err;
  const what = `copy of s3://${job.srcBucket}/${job.srcKey} to s3://${job.dstBucket}/${job.dstKey} failed: ${describe(err)}`;
  switch (classifyAwsError(err)) {
    case "object":
      return new ObjectError(what, { cause: err });
    case "fatal":
      return new FatalError(what, { cause: err });
    default:
      return new RetryableError(what, { cause: err });
  }
}

/** `Name: message` (with the socket error code when there is one), for the status item. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const withCode =
    typeof code === "string" && !err.message.includes(code)
      ? `${code} ${err.message}`
      : err.message;
  const reason = withCode === err.name ? "" : withCode.trim();
  return reason === "" ? err.name : `${err.name}: ${reason}`;
}
