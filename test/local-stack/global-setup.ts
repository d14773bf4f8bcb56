/**
 * vitest global setup of the integration project: starts the local stack unless it already
 * runs, provisions the local queue and table, and stops the stack afterwards only if this run
 * started it.
 */
import { stack, stackIsUp } from "../support/local-stack.js";
import { provisionLocalStack } from "../support/provision.js";

export default async function setup(): Promise<() => void> {
  const wasUp = stackIsUp();
  if (!wasUp && !stack("up"))
    throw new Error("the local stack did not start (see the lines above)");
  await provisionLocalStack();
  return () => {
    if (!wasUp) stack("down");
  };
}
