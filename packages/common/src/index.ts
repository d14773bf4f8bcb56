export type { AwsClients, S3Side } from "./aws/clients.js";
export {
  createClients,
  createS3Client,
  createSsmClient,
  destroyClients,
  s3SocketCount,
  ssmClientIfNeeded,
} from "./aws/clients.js";
export { MessageSender, type MessageSenderOptions } from "./aws/message-sender.js";
export { type QueueCounts, queueCounts, type SqsSend } from "./aws/queue-counts.js";
export type {
  ChecksumMode,
  Config,
  DestinationSse,
  Endpoints,
  JobType,
  LogLevel,
  ParameterRef,
  StorageClass,
} from "./config/config-types.js";
export { ENV_PREFIX, flattenIni, loadConfig, mergeSettings } from "./config/load-config.js";
export type { ParsedConfig } from "./config/parse-config.js";
export { CONFIG_KEYS, parseConfig } from "./config/parse-config.js";
export type { AwsErrorKind, ConfigProblem, ErrorClass } from "./errors.js";
export {
  awsErrorIs,
  ConfigError,
  classifyAwsError,
  FatalError,
  MessageError,
  MigrationError,
  ObjectError,
  RetryableError,
} from "./errors.js";
export type { Logger, LoggerOptions } from "./log.js";
export { createLogger, sanitizeForLog } from "./log.js";
export {
  decodeEventKey,
  type EventDestination,
  type EventObject,
  type EventRouting,
  joinKey,
  mappingPrefix,
  routeEvent,
  sequencerOrder,
} from "./messages/event-routing.js";
export type {
  CopyJob,
  JobMessageBody,
  ParsedMessage,
  RejectedRecord,
  UnroutedRecord,
} from "./messages/job-message.js";
export { formatJobMessage, parseJobMessage } from "./messages/job-message.js";
export type { SliceJob, SliceMessageBody } from "./messages/slice-message.js";
export { formatSliceMessage, sliceParts } from "./messages/slice-message.js";
export type { BucketMapping, SideCredentials } from "./parameters/parameter-documents.js";
export { parseBucketMap, parseCredentials } from "./parameters/parameter-documents.js";
export type { SsmSend } from "./parameters/parameter-source.js";
export { loadBucketMap, loadCredentials, readParameter } from "./parameters/parameter-source.js";
export { STATUS_TABLE, statusItemId } from "./status-table.js";
