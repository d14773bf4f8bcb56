import { createHash } from "node:crypto";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AssetHashType, DockerImage } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { APP_INI_NAME, IGNORE_LIST_NAME } from "../app-ini.js";

/** The Lambda programs `bundleApps` makes: `<name>.mjs` exporting `handler`. */
export type LambdaProgram = "worker-lambda" | "jobsender-lambda";

/** What goes into one function's code asset. */
export interface LambdaCodeProps {
  /** Folder with `<program>.mjs` (and its source map) as made by `bundleApps`. */
  readonly bundleDir: string;
  readonly program: LambdaProgram;
  /** The generated ini (see `buildAppIni`), shipped as `s3_migration_config.ini`. */
  readonly appIni: string;
  /** Jobsender ignore patterns, shipped as the ignore-list file when any. @default [] */
  readonly ignorePatterns?: readonly string[];
}

/** True when the bundle holds the program (the jobsender's may not exist yet). */
export function lambdaProgramBundled(bundleDir: string, program: LambdaProgram): boolean {
  return existsSync(join(bundleDir, `${program}.mjs`));
}

/**
 * The function's code: the bundled program, its source map, and the ini beside it at the
 * package root (`$LAMBDA_TASK_ROOT/s3_migration_config.ini`, where the handlers look by default;
 * `S3MIG_<key>` variables override it). Staged by a local "bundling" step that only copies and
 * writes files (no Docker, no network), under a hash of everything it writes, so a changed ini
 * or bundle makes a new asset and a new function version.
 */
export function lambdaCode(props: LambdaCodeProps): lambda.Code {
  const program = `${props.program}.mjs`;
  const copied = [program, `${program}.map`].filter((f) => existsSync(join(props.bundleDir, f)));
  const written: Record<string, string> = { [APP_INI_NAME]: props.appIni };
  if (props.ignorePatterns?.length)
    written[IGNORE_LIST_NAME] = `${props.ignorePatterns.join("\n")}\n`;
  const hash = createHash("sha256");
  for (const f of copied) hash.update(f).update(readFileSync(join(props.bundleDir, f)));
  for (const [name, text] of Object.entries(written)) hash.update(name).update(text);
  return lambda.Code.fromAsset(props.bundleDir, {
    assetHash: hash.digest("hex"),
    assetHashType: AssetHashType.CUSTOM,
    bundling: {
      // Required by the type, never pulled: the local step below always succeeds.
      image: DockerImage.fromRegistry("public.ecr.aws/docker/library/busybox"),
      local: {
        tryBundle(outputDir: string): boolean {
          for (const f of copied) copyFileSync(join(props.bundleDir, f), join(outputDir, f));
          for (const [name, text] of Object.entries(written))
            writeFileSync(join(outputDir, name), text);
          return true;
        },
      },
    },
  });
}
