import { parseArgs } from "node:util";

/** The worker's command line: `--config <ini> [--until-idle] [--idle-seconds N] [--worker-id ID]`. */
export interface Args {
  readonly config: string;
  readonly untilIdleSec: number | undefined;
  readonly workerId: string | undefined;
}

function usage(problem: string): never {
  process.stderr.write(
    `worker: ${problem}\nusage: pnpm worker --config <ini> [--until-idle] [--idle-seconds N] [--worker-id ID]\n`,
  );
  process.exit(2);
}

export function readArgs(): Args {
  try {
    const { values } = parseArgs({
      options: {
        config: { type: "string" },
        "until-idle": { type: "boolean", default: false },
        "idle-seconds": { type: "string", default: "10" },
        "worker-id": { type: "string" },
      },
    });
    if (values.config === undefined) usage("--config is required");
    const idle = Number(values["idle-seconds"]);
    if (!Number.isInteger(idle) || idle < 0)
      usage(`--idle-seconds: got ${values["idle-seconds"]}; expected an integer ≥ 0`);
    return {
      config: values.config,
      untilIdleSec: values["until-idle"] ? idle : undefined,
      workerId: values["worker-id"],
    };
  } catch (err) {
    return usage(err instanceof Error ? err.message : String(err));
  }
}
