/**
 * The SQS and DynamoDB SDKs as the test package installs them (bench/ has no dependencies of
 * its own), and the clients ours' set-up and check need.
 */
import { createRequire } from "node:module";

type SqsModule = typeof import("../../test/node_modules/@aws-sdk/client-sqs/dist-types/index.js");
type DdbModule =
  typeof import("../../test/node_modules/@aws-sdk/client-dynamodb/dist-types/index.js");
const requireFromTest = createRequire(new URL("../../test/package.json", import.meta.url));
export const sqsSdk = requireFromTest("@aws-sdk/client-sqs") as SqsModule;
export const ddbSdk = requireFromTest("@aws-sdk/client-dynamodb") as DdbModule;

/** The clients the pipeline's set-up needs (from the local stack's `localClients`). */
export interface ControlClients {
  readonly sqs: InstanceType<SqsModule["SQSClient"]>;
  readonly dynamodb: InstanceType<DdbModule["DynamoDBClient"]>;
}
