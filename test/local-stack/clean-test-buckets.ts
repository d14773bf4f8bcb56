/**
 * `pnpm local:clean`: deletes the buckets the tests and benchmarks left on a long-running local
 * stack (everything but the demo's), then runs RGW garbage collection so memstore is freed.
 */
import { destroyClients } from "@s3-migration/common";
import { collectGarbage, deleteBuckets } from "../support/cleanup.js";
import { localClients } from "../support/local-stack.js";

const { clients } = await localClients();
const keep = (name: string) =>
  name.startsWith("demo-") || (process.argv.includes("--keep-bench") && name.startsWith("bench-"));
try {
  const src = await deleteBuckets(clients.sourceS3, (n) => !keep(n));
  const dst = await deleteBuckets(clients.destinationS3, (n) => !keep(n));
  collectGarbage();
  process.stderr.write(
    `deleted ${src} global-tenant and ${dst} china-tenant buckets; garbage collected\n`,
  );
} finally {
  destroyClients(clients);
}
