import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { App, Stack } from "aws-cdk-lib";
import type { Template } from "aws-cdk-lib/assertions";
import type * as lambda from "aws-cdk-lib/aws-lambda";

/** The template resource of a function. */
export function functionResource(
  template: Template,
  stack: Stack,
  fn: lambda.IFunction,
): CfnResource {
  const { Ref: id } = stack.resolve(fn.functionName) as { Ref: string };
  return template.toJSON().Resources[id];
}

/** The files of a function's code asset, as synthesized into the app's cloud assembly: name → text. */
export function codeAssetFiles(
  template: Template,
  stack: Stack,
  fn: lambda.IFunction,
): Record<string, string> {
  const code = functionResource(template, stack, fn).Properties.Code as { S3Key: string };
  const hash = code.S3Key.replace(/\.zip$/, "");
  const dir = join((stack.node.root as App).synth().directory, `asset.${hash}`);
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), "utf8")]));
}

/** A template resource, as the tests read it. */
export interface CfnResource {
  readonly Properties: Record<string, unknown>;
  readonly DependsOn?: string[];
}

/** The resources of one type, as [logical id, resource] pairs. */
export function resourcesOf(template: Template, type: string): [string, CfnResource][] {
  return Object.entries(template.findResources(type)) as [string, CfnResource][];
}
