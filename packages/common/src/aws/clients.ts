import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SSMClient } from "@aws-sdk/client-ssm";
import type { BuildMiddleware, MetadataBearer } from "@smithy/types";
import type { Config } from "../config/config-types.js";
import type { SideCredentials } from "../parameters/parameter-documents.js";
import { createHttpHandler } from "./http-handler.js";

/** Which credentials an S3 client uses. */
export type S3Side = "instance-role" | "access-key";

/** The clients a jobsender or worker needs, built once by the composition root. */
export interface AwsClients {
  /** Reads the source objects. */
  readonly sourceS3: S3Client;
  /** Writes the destination objects. */
  readonly destinationS3: S3Client;
  /** Which credentials each S3 client uses (follows `JobType`). */
  readonly sides: { readonly source: S3Side; readonly destination: S3Side };
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
}

/*
 * Every client sets `ignoreConfiguredEndpointUrls`: the SDK would otherwise apply
 * AWS_ENDPOINT_URL_S3 from the environment to BOTH S3 clients, sending the access-key side's
 * requests to the instance-role side's endpoint. The config layer reads those variables for the
 * instance-role side only (see loadConfig) and passes endpoints explicitly.
 */

/**
 * The number of sockets one S3 client may keep open: one per connection of the worker's cap
 * (`MaxConnections`: every part and single PUT in flight), plus spares for the control requests
 * (listing, HEADs, creates and completes), which the cap does not count.
 */
export function s3SocketCount(config: Pick<Config, "maxConnections">): number {
  return config.maxConnections + CONTROL_SOCKETS;
}

/** Sockets beside the connection cap for control requests, and the SQS / DynamoDB clients' pool. */
const CONTROL_SOCKETS = 32;

/**
 * Builds the S3 client of one side. The instance-role side takes the SDK's default credential
 * chain (the EC2 role; the standard environment variables locally) and the configured region and
 * endpoint; the access-key side takes the stored key, its region and optional endpoint. The
 * region picks the partition: cn-north-1 and cn-northwest-1 resolve to amazonaws.com.cn.
 */
export function createS3Client(
  side: S3Side,
  config: Config,
  credentials: SideCredentials,
): S3Client {
  const common = {
    ignoreConfiguredEndpointUrls: true,
    forcePathStyle: config.s3ForcePathStyle,
    maxAttempts: config.maxRetry + 1,
    requestChecksumCalculation: config.checksumMode,
    responseChecksumValidation: config.checksumMode,
    requestHandler: createHttpHandler(s3SocketCount(config)),
    // The SDK adds `Expect: 100-continue` to bodies of 2 MB and more, but with our own agents its
    // handler sends the body at once anyway: the header only makes S3 answer an extra interim
    // response per part.
    expectContinueHeader: false,
  } as const;
  const client =
    side === "instance-role"
      ? new S3Client({ ...common, region: config.region, endpoint: config.endpoints.s3 })
      : new S3Client({
          ...common,
          region: credentials.region,
          endpoint: credentials.endpoint,
          credentials: {
            accessKeyId: credentials.accessKeyId,
            secretAccessKey: credentials.secretAccessKey,
          },
        });
  client.middlewareStack.add(unsignedPayloadWithContentMd5, UNSIGNED_PAYLOAD_STEP);
  return withoutSdkLogging(client);
}

/**
 * Takes the SDK's logger middleware out of a client. With no `logger` configured it logs
 * nothing, yet it still runs every command's input and output through the SDK's
 * sensitive-field filter before handing them to the no-op logger: for a receive of 10 messages
 * or a batch of 25 status items that walk costs more CPU than the request itself. The worker
 * and jobsender log through their own logger; SDK errors reach them as exceptions.
 */
export function withoutSdkLogging<T extends { middlewareStack: { remove(name: string): boolean } }>(
  client: T,
): T {
  client.middlewareStack.remove("loggerMiddleware");
  return client;
}

const UNSIGNED_PAYLOAD_STEP = {
  step: "build",
  name: "unsignedPayloadWithContentMd5",
} as const;

/**
 * Skips the SDK's SHA-256 of in-memory bodies (~10% of copy throughput) on uploads that carry
 * a Content-MD5: S3 checks every byte against that MD5 and rejects a mismatch (BadDigest), and
 * TLS protects the request in transit, so signing the payload adds no integrity.
 */
const unsignedPayloadWithContentMd5: BuildMiddleware<object, MetadataBearer> =
  (next) => async (args) => {
    const request = args.request as { headers?: Record<string, string> };
    const input = args.input as { ContentMD5?: string };
    if (request.headers && input.ContentMD5) {
      request.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
    }
    return next(args);
  };

/** The SSM client that reads the parameters (instance-role side). */
export function createSsmClient(config: Config): SSMClient {
  return withoutSdkLogging(
    new SSMClient({
      ignoreConfiguredEndpointUrls: true,
      region: config.region,
      endpoint: config.endpoints.ssm,
      maxAttempts: config.maxRetry + 1,
    }),
  );
}

/**
 * The SSM client, when the bucket map or the credentials are read from Parameter Store;
 * `undefined` when both are `file:` or `env:` references (local runs, Lambda with a key in its
 * environment), so no client is built for a service that is never called.
 */
export function ssmClientIfNeeded(config: Config): SSMClient | undefined {
  const needed = [config.bucketMapParameter, config.credentialsParameter].some(
    (p) => p.kind === "ssm",
  );
  return needed ? createSsmClient(config) : undefined;
}

/**
 * Builds every client from the validated config and the access-key side's credentials.
 * `JobType=PUT`: the instance role reads the source and the stored key writes the destination;
 * `GET`: the reverse. SQS and DynamoDB live with the fleet, on the instance-role side.
 *
 * @example
 * const clients = createClients(config, await loadCredentials(config.credentialsParameter, ssm));
 */
export function createClients(config: Config, credentials: SideCredentials): AwsClients {
  const roleS3 = createS3Client("instance-role", config, credentials);
  const keyS3 = createS3Client("access-key", config, credentials);
  const put = config.jobType === "PUT";
  const small = {
    ignoreConfiguredEndpointUrls: true,
    region: config.region,
    maxAttempts: config.maxRetry + 1,
    // Hundreds of messages may settle at once; their calls are short, so a few dozen sockets do.
    requestHandler: createHttpHandler(CONTROL_SOCKETS * 2),
  };
  return {
    sourceS3: put ? roleS3 : keyS3,
    destinationS3: put ? keyS3 : roleS3,
    sides: put
      ? { source: "instance-role", destination: "access-key" }
      : { source: "access-key", destination: "instance-role" },
    sqs: withoutSdkLogging(new SQSClient({ ...small, endpoint: config.endpoints.sqs })),
    dynamodb: withoutSdkLogging(
      new DynamoDBClient({ ...small, endpoint: config.endpoints.dynamodb }),
    ),
  };
}

/** Closes every client's sockets so the process can exit. */
export function destroyClients(clients: AwsClients): void {
  clients.sourceS3.destroy();
  clients.destinationS3.destroy();
  clients.sqs.destroy();
  clients.dynamodb.destroy();
}
