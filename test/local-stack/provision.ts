/**
 * `pnpm local:up`, second step: creates the queue, its DLQ and the status table named in
 * config/local.ini once stack.sh has started the services.
 */
import { provisionLocalStack } from "../support/provision.js";

process.stderr.write(`provisioned: ${await provisionLocalStack()}\n`);
