/**
 * vitest global setup of the integration project: starts the local stack unless it already
 * runs, provisions the local queue and table, and stops the stack afterwards only if this run
 * started it. "Started by this run" means no piece of it ran before: a health check that
 * fails for a moment on a loaded machine must not make the run take down a stack a developer
 * or a benchmark is using (`up` finds it healthy and leaves it; a broken one is restarted and
 * still left running).
 */
import { stack, stackIsUp, stackStarted } from "../support/local-stack.js";
import { provisionLocalStack } from "../support/provision.js";

export default async function setup(): Promise<() => void> {
  const someoneElses = stackStarted();
  if (!stackIsUp() && !stack("up"))
    throw new Error("the local stack did not start (see the lines above)");
  await provisionLocalStack();
  return () => {
    if (!someoneElses) stack("down");
  };
}
