/**
 * Typed errors shared by the jobsender and the worker.
 *
 * Every error takes `(message, options?: ErrorOptions)` so the underlying SDK error travels as
 * `cause`. Only this module looks at SDK error internals (`name`, HTTP status, `$retryable`):
 * {@link classifyAwsError} for what a failure means for the job, {@link awsErrorIs} for the few
 * answers the code handles on purpose. Everything else branches on these classes.
 */

/** Base class of every error this project throws on purpose. */
export class MigrationError extends Error {
  override name: string = "MigrationError";
}

/** One problem found while validating configuration or a parameter document. */
export interface ConfigProblem {
  /** The key or field path, e.g. `MaxThread` or `bucket map[2].src_bucket`. */
  readonly key: string;
  /** The offending value as text (never a secret), or `undefined` when it is missing. */
  readonly value?: string | undefined;
  /** What was expected, e.g. "an integer from 1 to 1000". */
  readonly expected: string;
}

/** Bad or missing configuration: lists every problem at once. Never retried. */
export class ConfigError extends MigrationError {
  override name = "ConfigError" as const;
  readonly problems: readonly ConfigProblem[];

  constructor(what: string, problems: readonly ConfigProblem[], options?: ErrorOptions) {
    super(`${what}: ${problems.length} problem(s)\n${formatProblems(problems)}`, options);
    this.problems = problems;
  }
}

/** A queue message that cannot be turned into a copy job. Left for the dead-letter queue. */
export class MessageError extends MigrationError {
  override name = "MessageError" as const;
}

/** A transient failure (throttling, 5xx, reset, BadDigest): try again later. */
export class RetryableError extends MigrationError {
  override name = "RetryableError" as const;
}

/** A failure of one object (NoSuchKey, AccessDenied): record it, do not redeliver. */
export class ObjectError extends MigrationError {
  override name = "ObjectError" as const;
}

/** A failure of the whole process (credentials, missing queue or table): back off, then exit. */
export class FatalError extends MigrationError {
  override name = "FatalError" as const;
}

/** How the worker should treat a failure. */
export type ErrorClass = "retryable" | "object" | "fatal";

function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems
    .map((p) => {
      const got = p.value === undefined ? "missing" : `got ${JSON.stringify(p.value)}`;
      return `  - ${p.key}: ${got}; expected ${p.expected}`;
    })
    .join("\n");
}

const OBJECT_ERROR_NAMES = new Set([
  "NoSuchKey",
  "NoSuchBucket",
  "NotFound",
  "AccessDenied",
  "Forbidden",
  "PreconditionFailed",
  "InvalidObjectState",
  "NoSuchVersion",
  "InvalidRange",
  "KeyTooLongError",
  "InvalidObjectName",
  "EntityTooLarge",
]);

const FATAL_ERROR_NAMES = new Set([
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "ExpiredTokenException",
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "AuthFailure",
  "CredentialsProviderError",
  "QueueDoesNotExist",
  "AWS.SimpleQueueService.NonExistentQueue",
  "ResourceNotFoundException",
  "AccessDeniedException",
]);

const RETRYABLE_ERROR_NAMES = new Set([
  "BadDigest",
  "SlowDown",
  "RequestTimeout",
  "RequestTimeTooSkewed",
  "InternalError",
  "ServiceUnavailable",
  "ThrottlingException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "TimeoutError",
  "AbortError",
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "NoSuchUpload",
]);

interface AwsLikeError {
  name?: unknown;
  code?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/**
 * Decides what a failure means for the job at hand: try again (`retryable`), give up on this
 * object (`object`), or stop the process (`fatal`). Our own typed errors map to their class;
 * unknown errors are retryable, so the queue's maxReceiveCount bounds them and they end in the
 * dead-letter queue rather than being lost.
 *
 * @example
 * if (classifyAwsError(err) === "object") await recordFailure(job, err);
 */
export function classifyAwsError(err: unknown): ErrorClass {
  if (err instanceof ObjectError) return "object";
  if (err instanceof FatalError || err instanceof ConfigError) return "fatal";
  if (err instanceof RetryableError || err instanceof MessageError) return "retryable";
  if (typeof err !== "object" || err === null) return "retryable";
  const e = err as AwsLikeError;
  const name = typeof e.name === "string" ? e.name : "";
  const code = typeof e.code === "string" ? e.code : "";
  if (RETRYABLE_ERROR_NAMES.has(name) || RETRYABLE_ERROR_NAMES.has(code)) return "retryable";
  if (e.$retryable) return "retryable";
  if (OBJECT_ERROR_NAMES.has(name)) return "object";
  if (FATAL_ERROR_NAMES.has(name)) return "fatal";
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === "number") {
    if (status === 429 || status >= 500) return "retryable";
    if (status === 403 || status === 404 || status === 412 || status === 416) return "object";
  }
  return "retryable";
}

/** Answers the code handles on purpose, each a set of names (and HTTP statuses) AWS uses for it. */
export type AwsErrorKind =
  /** A read pinned with If-Match to an ETag the object no longer has (412). */
  | "precondition-failed"
  /** The multipart upload no longer exists (completed or aborted by another attempt). */
  | "upload-gone"
  /** The access key is unknown, its secret wrong, or its session expired. */
  | "credentials-rejected"
  /** An SSM parameter that does not exist. */
  | "parameter-missing"
  /** The service does not know the operation (emulators, some regions). */
  | "operation-unsupported"
  /** A completion naming a part the upload does not have, or with another ETag. */
  | "invalid-part";

const KIND_NAMES: Record<AwsErrorKind, ReadonlySet<string>> = {
  "precondition-failed": new Set(["PreconditionFailed"]),
  "upload-gone": new Set(["NoSuchUpload", "NoSuchKey"]),
  "credentials-rejected": new Set(["InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken"]),
  "parameter-missing": new Set(["ParameterNotFound"]),
  "invalid-part": new Set(["InvalidPart", "InvalidPartOrder"]),
  "operation-unsupported": new Set([
    "InvalidAction",
    "UnsupportedOperation",
    "AWS.SimpleQueueService.UnsupportedOperation",
    "UnknownOperationException",
    "UnknownOperation",
  ]),
};

const KIND_STATUS: Partial<Record<AwsErrorKind, number>> = { "precondition-failed": 412 };

/**
 * True when `err`, or the error it wraps as `cause` (one of our typed errors around an SDK
 * error), is an AWS answer of this kind.
 *
 * @example
 * if (awsErrorIs(err, "upload-gone")) return; // another attempt completed it first
 */
export function awsErrorIs(err: unknown, kind: AwsErrorKind): boolean {
  for (let e = err, depth = 0; depth < 2 && typeof e === "object" && e !== null; depth++) {
    const { name, $metadata, message, cause } = e as AwsLikeError & {
      message?: unknown;
      cause?: unknown;
    };
    if (typeof name === "string" && KIND_NAMES[kind].has(name)) return true;
    if (KIND_STATUS[kind] !== undefined && $metadata?.httpStatusCode === KIND_STATUS[kind]) {
      return true;
    }
    if (
      kind === "operation-unsupported" &&
      typeof message === "string" &&
      /unknown (action|operation)|not supported/i.test(message)
    ) {
      return true;
    }
    e = cause;
  }
  return false;
}
