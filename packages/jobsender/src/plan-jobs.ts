import type { BucketMapping, CopyJob } from "@s3-migration/common";
import { type CompareMode, type DiffStats, diffListings } from "./diff-listings.js";
import type { IgnoreMatcher } from "./ignore-list.js";
import { type ListedObject, listingPrefix, type S3Send } from "./list-bucket.js";
import { listObjectsParallel } from "./parallel-listing.js";
import { listLatestVersions, type VersionedObject } from "./source-versions.js";

/** What the planner needs. */
export interface PlanDeps {
  readonly source: S3Send;
  readonly destination: S3Send;
  readonly compare: CompareMode;
  readonly ignore: IgnoreMatcher;
  /** With `JobsenderCompareVersionId`: source key → version the workers copied. */
  readonly copiedVersions?: ReadonlyMap<string, string> | undefined;
  /** Concurrent ListObjectsV2 requests per side. @default 8 */
  readonly listConcurrency?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** Counts of one plan, on top of the diff's own. */
export interface PlanStats extends DiffStats {
  ignored: number;
  versionChanged: number;
  jobs: number;
  bytes: number;
}

/**
 * The jobs of one bucket-map entry, streamed: both sides listed in parallel and merged in one
 * pass (memory independent of the object count), ignored objects dropped, and, in version
 * mode, every object whose current version differs from the one the workers copied.
 */
export async function* planJobs(
  mapping: BucketMapping,
  deps: PlanDeps,
  stats: PlanStats,
): AsyncGenerator<CopyJob, void, undefined> {
  const plan: Plan = {
    mapping,
    deps,
    stats,
    srcPrefix: listingPrefix(mapping.srcPrefix),
    dstPrefix: listingPrefix(mapping.desPrefix),
  };
  const source = kept(plan, listSource(plan));
  const destination = listObjectsParallel(deps.destination, {
    bucket: mapping.desBucket,
    prefix: plan.dstPrefix,
    concurrency: deps.listConcurrency ?? 8,
    signal: deps.signal,
  });
  for await (const entry of diffListings(source, destination, {
    compare: deps.compare,
    stats,
  })) {
    yield toJob(plan, entry.source);
  }
}

/** One {@link planJobs} call: its inputs and the listing prefixes of both sides. */
interface Plan {
  readonly mapping: BucketMapping;
  readonly deps: PlanDeps;
  readonly stats: PlanStats;
  readonly srcPrefix: string;
  readonly dstPrefix: string;
}

/** The source side: its current objects, or in version mode its latest versions. */
function listSource({ mapping, deps, srcPrefix }: Plan): AsyncIterable<ListedObject> {
  return deps.copiedVersions === undefined
    ? listObjectsParallel(deps.source, {
        bucket: mapping.srcBucket,
        prefix: srcPrefix,
        concurrency: deps.listConcurrency ?? 8,
        signal: deps.signal,
      })
    : listLatestVersions(deps.source, {
        bucket: mapping.srcBucket,
        prefix: srcPrefix,
        signal: deps.signal,
      });
}

/** The source objects minus the ignored ones, with changed versions forced to differ. */
async function* kept(
  plan: Plan,
  objects: AsyncIterable<ListedObject>,
): AsyncGenerator<ListedObject> {
  const { mapping, deps, stats, srcPrefix } = plan;
  for await (const o of objects) {
    if (deps.ignore(mapping.srcBucket, srcPrefix + o.key)) {
      stats.ignored++;
      continue;
    }
    const copied = deps.copiedVersions?.get(srcPrefix + o.key);
    const versionId = (o as Partial<VersionedObject>).versionId;
    if (copied !== undefined && versionId !== undefined && copied !== versionId) {
      // A new version with the same size must still be copied: give the diff a size no
      // destination object has, so it comes out in order like any other difference.
      stats.versionChanged++;
      const forced: Forced = { ...o, size: -1, realSize: o.size };
      yield forced;
      continue;
    }
    yield o;
  }
}

/** The copy job of a source object the diff found missing or different; counted. */
function toJob({ mapping, stats, srcPrefix, dstPrefix }: Plan, o: ListedObject): CopyJob {
  const size = (o as Partial<Forced>).realSize ?? o.size;
  stats.jobs++;
  stats.bytes += size;
  return {
    srcBucket: mapping.srcBucket,
    srcKey: srcPrefix + o.key,
    dstBucket: mapping.desBucket,
    dstKey: dstPrefix + o.key,
    size,
    versionId: (o as Partial<VersionedObject>).versionId,
  };
}

/** A source object whose version changed since it was copied (see `kept`). */
interface Forced extends ListedObject {
  readonly realSize: number;
}

/** Zeroed {@link PlanStats}. */
export function createPlanStats(base: DiffStats): PlanStats {
  return { ...base, ignored: 0, versionChanged: 0, jobs: 0, bytes: 0 };
}
