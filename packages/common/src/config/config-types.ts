/**
 * Where a parameter document comes from: SSM Parameter Store in AWS, a file locally, or an
 * environment variable (a Lambda function's, which Lambda keeps encrypted with KMS at rest).
 */
export type ParameterRef =
  | { readonly kind: "ssm"; readonly name: string }
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "env"; readonly variable: string };

/** Which side the EC2 instance role can reach: PUT reads the source with the role, GET writes the destination with it. */
export type JobType = "PUT" | "GET";

/** S3 storage classes accepted for the destination. */
export const STORAGE_CLASSES = [
  "STANDARD",
  "REDUCED_REDUNDANCY",
  "STANDARD_IA",
  "ONEZONE_IA",
  "INTELLIGENT_TIERING",
  "GLACIER",
  "GLACIER_IR",
  "DEEP_ARCHIVE",
] as const;
export type StorageClass = (typeof STORAGE_CLASSES)[number];

/** The SDK's `requestChecksumCalculation` / `responseChecksumValidation` setting. */
export type ChecksumMode = "WHEN_REQUIRED" | "WHEN_SUPPORTED";

/** Server-side encryption of the destination objects. */
export type DestinationSse = "NONE" | "AES256" | "aws:kms";

/** winston level names. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Endpoint overrides for the instance-role side (emulators, S3-compatible services). */
export interface Endpoints {
  readonly s3?: string | undefined;
  readonly sqs?: string | undefined;
  readonly dynamodb?: string | undefined;
  readonly ssm?: string | undefined;
}

/**
 * The validated configuration. Built once at start by `loadConfig`/`parseConfig`; every value
 * is in base units (bytes, seconds). See config/README.md for the ini keys behind each field.
 */
export interface Config {
  /** `JobType` @default "PUT" */
  readonly jobType: JobType;
  /** `table_queue_name`: the SQS queue and the DynamoDB status table share it. */
  readonly tableQueueName: string;
  /** The job queue's name (= `table_queue_name`). */
  readonly queueName: string;
  /** The dead-letter queue's name (`table_queue_name` + `-DLQ`). */
  readonly dlqName: string;
  /** The status table's name (= `table_queue_name`). */
  readonly tableName: string;
  /** `ssm_parameter_bucket`: the bucket map. */
  readonly bucketMapParameter: ParameterRef;
  /** `ssm_parameter_credentials`: the access-key side's credentials. */
  readonly credentialsParameter: ParameterRef;
  /** `Des_bucket_default`: destination bucket for S3 event messages. @default "" */
  readonly desBucketDefault: string;
  /** `Des_prefix_default`: destination prefix for S3 event messages. @default "" */
  readonly desPrefixDefault: string;
  /**
   * `BucketMapRefreshSeconds`: how old the worker's copy of the bucket map may get before it
   * reads the parameter again (S3 events are routed by it). @default 60
   */
  readonly bucketMapRefreshSec: number;
  /** `StorageClass` @default "STANDARD" */
  readonly storageClass: StorageClass;
  /** `ResumableThreshold` (MB) in bytes: objects up to this size are copied with one PUT. @default 5 MiB */
  readonly resumableThresholdBytes: number;
  /** `MaxRetry`: retries of one request after its first attempt. @default 10 */
  readonly maxRetry: number;
  /**
   * `MaxThread`: at most this many parts of one object in flight (Longbow's meaning). Unset: no
   * cap per object, only `MaxConnections` and the memory budget.
   */
  readonly maxThread: number | undefined;
  /**
   * `MaxParallelFile`: at most this many messages in work per worker process (Longbow's meaning).
   * Unset: as many as keep `MaxConnections` busy.
   */
  readonly maxParallelFile: number | undefined;
  /** `MaxConnections`: requests carrying object bytes in flight per worker process. @default 256 */
  readonly maxConnections: number;
  /** `MaxBandwidthMBps` in bytes per second: the worker's cap on bytes read from the source; 0 = none. @default 0 */
  readonly maxBandwidthBytesPerSec: number;
  /**
   * `JobTimeout` (s): a copy running longer is stopped (its upload kept for resume); 0 = no
   * limit. At most 43200 (SQS's 12 hours per receive; a larger value is capped with a warning).
   * @default 43200
   */
  readonly jobTimeoutSec: number;
  /** `LoggingLevel` @default "info" */
  readonly logLevel: LogLevel;
  /** `CleanUnfinishedUpload`: abort older unfinished uploads of the same key. @default false */
  readonly cleanUnfinishedUpload: boolean;
  /** `ChunkSize` (MB) in bytes: the smallest part size; grows so an object needs ≤ 10,000 parts. @default 5 MiB */
  readonly chunkSizeBytes: number;
  /** `JobsenderCompareVersionId` @default false */
  readonly jobsenderCompareVersionId: boolean;
  /** `UpdateVersionId` @default false */
  readonly updateVersionId: boolean;
  /** `GetObjectWithVersionId` @default false */
  readonly getObjectWithVersionId: boolean;
  /** `Region` (or `AWS_REGION`): region of the instance-role side, its S3, SQS, DynamoDB and SSM. */
  readonly region: string;
  /** `S3Endpoint`, `SqsEndpoint`, `DynamoDbEndpoint`, `SsmEndpoint` (or `AWS_ENDPOINT_URL_*`). */
  readonly endpoints: Endpoints;
  /** `S3ForcePathStyle`: path-style S3 URLs (emulators, some S3-compatible services). @default false */
  readonly s3ForcePathStyle: boolean;
  /** `ChecksumMode` @default "WHEN_REQUIRED" */
  readonly checksumMode: ChecksumMode;
  /** `DestinationSse`: encryption of destination objects. @default "NONE" (the bucket's default applies) */
  readonly destinationSse: DestinationSse;
  /** `DestinationKmsKeyId`: KMS key for `aws:kms` (empty: the account's default key). @default "" */
  readonly destinationKmsKeyId: string;
  /** `CopyObjectTags`: copy the source's object tags (one GetObjectTagging per object). @default false */
  readonly copyObjectTags: boolean;
  /** `JobsenderCompare`: what makes a destination object differ. @default "size" */
  readonly jobsenderCompare: "size" | "size+etag";
  /**
   * `IgnoreListFile`: patterns of objects the jobsender never sends (absolute, or relative to the
   * ini file's folder). `required` is false for the default name, which may be absent.
   * @default "s3_migration_ignore_list.txt"
   */
  readonly ignoreList: { readonly path: string; readonly required: boolean };
  /** `PollWaitSeconds`: SQS long-poll wait. @default 20 */
  readonly pollWaitSeconds: number;
  /**
   * `InstanceMetadataEndpoint`: EC2 instance metadata (IMDSv2) for the Spot interruption notice
   * and the instance id; `undefined` when set to `none` (local runs). @default "http://169.254.169.254"
   */
  readonly instanceMetadataEndpoint: string | undefined;
  /**
   * `SplitThreshold` (MB) in bytes: objects larger than this are split into slices that any
   * worker copies (one upload, many workers); 0 = never split. @default 10 GiB
   */
  readonly splitThresholdBytes: number;
  /** `SplitSliceSize` (MB) in bytes: the bytes of one slice, in whole parts. @default 1 GiB */
  readonly splitSliceSizeBytes: number;
  /** `MemoryBudgetMB` in bytes: part buffers held by one worker process at once. @default 2048 MiB */
  readonly memoryBudgetBytes: number;
}
