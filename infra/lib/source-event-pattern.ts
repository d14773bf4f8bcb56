import { type BucketMapping, ConfigError, mappingPrefix } from "@s3-migration/common";
import type * as events from "aws-cdk-lib/aws-events";

/** One source bucket of the bucket map and the keys whose "Object Created" events are taken. */
export interface SourceEventScope {
  readonly bucket: string;
  /**
   * S3 key prefixes as the jobsender lists them (`logs` in the map is `logs/`), sorted, none
   * inside another; `undefined` when an entry maps the whole bucket (empty source prefix).
   */
  readonly prefixes: readonly string[] | undefined;
}

/**
 * EventBridge's default quota for one rule's event pattern, in characters (raised to 4,096 only
 * on request): a longer pattern is split over several rules.
 */
export const EVENT_PATTERN_MAX_CHARS = 2048;

/**
 * The bucket map's source buckets, each once, in the map's order, with the prefixes its entries
 * map. A bucket mapped whole by any entry is taken whole; a prefix inside another (`logs/2024/`
 * in `logs/`) adds nothing: the worker picks the entry by the longest prefix, the rule only
 * needs to let the event through.
 */
export function sourceEventScopes(map: readonly BucketMapping[]): SourceEventScope[] {
  const byBucket = new Map<string, string[] | undefined>();
  for (const m of map) {
    const prefix = mappingPrefix(m.srcPrefix);
    const known = byBucket.has(m.srcBucket) ? byBucket.get(m.srcBucket) : [];
    byBucket.set(
      m.srcBucket,
      prefix === "" || known === undefined ? undefined : [...known, prefix],
    );
  }
  return [...byBucket].map(([bucket, prefixes]) => ({
    bucket,
    prefixes: prefixes === undefined ? undefined : outermost(prefixes),
  }));
}

/** The prefixes no other one of the list contains, sorted, without duplicates. */
function outermost(prefixes: readonly string[]): string[] {
  const sorted = [...new Set(prefixes)].sort();
  return sorted.filter((p) => !sorted.some((q) => q !== p && p.startsWith(q)));
}

/** The `detail` condition of one bucket: its name, and its key prefixes unless it is taken whole. */
function scopeCondition(scope: SourceEventScope): Record<string, unknown> {
  const bucket = { name: [scope.bucket] };
  if (scope.prefixes === undefined) return { bucket };
  return { bucket, object: { key: scope.prefixes.map((prefix) => ({ prefix })) } };
}

/** The pattern as EventBridge receives it: S3's "Object Created" events meeting any condition. */
function renderedPattern(conditions: readonly Record<string, unknown>[]): Record<string, unknown> {
  return {
    source: ["aws.s3"],
    "detail-type": ["Object Created"],
    detail: conditions.length === 1 ? conditions[0] : { $or: conditions },
  };
}

/**
 * A pattern's size as the quota counts it, erring high: the JSON's bytes, plus a space after each
 * `,` and `:` in case it is serialized with them.
 */
export function patternChars(pattern: unknown): number {
  const json = JSON.stringify(pattern);
  const separators = json.replace(/"(?:[^"\\]|\\.)*"/g, '""').match(/[,:]/g)?.length ?? 0;
  return Buffer.byteLength(json) + separators;
}

/**
 * The event patterns of the source buckets' rules: one bucket condition per scope, in an `$or`
 * (a lone condition stands alone), as many scopes per pattern as fit `maxChars`; usually one.
 *
 * @throws ConfigError when one bucket's prefixes alone do not fit.
 */
export function objectCreatedPatterns(
  scopes: readonly SourceEventScope[],
  maxChars = EVENT_PATTERN_MAX_CHARS,
): events.EventPattern[] {
  const groups: Record<string, unknown>[][] = [];
  let group: Record<string, unknown>[] = [];
  for (const scope of scopes) {
    const condition = scopeCondition(scope);
    if (patternChars(renderedPattern([condition])) > maxChars) throw tooLong(scope, maxChars);
    if (group.length > 0 && patternChars(renderedPattern([...group, condition])) > maxChars) {
      groups.push(group);
      group = [];
    }
    group.push(condition);
  }
  if (group.length > 0) groups.push(group);
  return groups.map((conditions) => {
    const { detail } = renderedPattern(conditions);
    return { source: ["aws.s3"], detailType: ["Object Created"], detail } as events.EventPattern;
  });
}

function tooLong(scope: SourceEventScope, maxChars: number): ConfigError {
  return new ConfigError("invalid stack settings", [
    {
      key: "sourceBucketEvents",
      value: `eventbridge (bucket ${scope.bucket}, ${scope.prefixes?.length ?? 0} prefixes)`,
      expected: `source prefixes of one bucket that fit one EventBridge event pattern (${maxChars} characters): map fewer, shorter prefixes of that bucket (a common parent prefix covers them)`,
    },
  ]);
}
