// The KMS key settings (`credentialsKmsKeyArn`, `bucketKmsKeyArns`) end up as the Resource of the
// instance roles' kms:Decrypt / kms:GenerateDataKey statements. IAM grants key use only on a key
// ARN of the role's own partition: an alias or a bare key id grants nothing, and an ARN of the
// other partition fails the deploy at the IAM policy ("Partition … is not valid"), after
// CloudFormation has started creating resources. So they are checked at synth.

/** The partitions the stack deploys in. */
export type Partition = "aws" | "aws-cn";

/** `aws-cn` for the China regions (cn-north-1, cn-northwest-1), `aws` for the others. */
export function partitionOf(region: string): Partition {
  return region.startsWith("cn-") ? "aws-cn" : "aws";
}

const KEY_ID = "(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})";
const KEY_ARN = new RegExp(
  `^arn:(aws|aws-cn):kms:([a-z]{2}(?:-[a-z]+)+-\\d{1,2}):(\\d{12}):key/${KEY_ID}$`,
);
const BARE_KEY_ID = new RegExp(`^${KEY_ID}$`);

/** What every KMS key setting must look like. */
export const KEY_ARN_SHAPE =
  "a KMS key ARN of the stack's partition: arn:aws:kms:<region>:<account>:key/<key id> in a global region, arn:aws-cn:kms:<cn-north-1|cn-northwest-1>:<account>:key/<key id> in a China region";

/** A key ARN that passed {@link parseKeyArn}. */
export interface KeyArn {
  readonly partition: Partition;
  readonly region: string;
}

/** The key ARN's partition and region, or why `value` is not a key ARN. */
export function parseKeyArn(value: string): KeyArn | { readonly problem: string } {
  if (/(^|:)alias\//.test(value))
    return {
      problem: `${KEY_ARN_SHAPE}, not an alias (IAM grants key use on the key ARN only; aws kms describe-key --key-id ${value} prints it)`,
    };
  if (BARE_KEY_ID.test(value))
    return {
      problem: `${KEY_ARN_SHAPE}, not a bare key id (aws kms describe-key --key-id ${value} prints the ARN)`,
    };
  const m = KEY_ARN.exec(value);
  if (m === null) return { problem: KEY_ARN_SHAPE };
  const partition = m[1] as Partition;
  const region = m[2] ?? "";
  if (partitionOf(region) !== partition)
    return {
      problem: `${KEY_ARN_SHAPE}: ${region} is in the ${partitionOf(region)} partition, so arn:${partitionOf(region)}:kms:${region}:…`,
    };
  return { partition, region };
}

/** One KMS key setting: its name (for messages) and value. */
export interface KeySetting {
  readonly key: string;
  readonly value: string;
}

const USED_IN_STACK_REGION =
  "the keys are used in the stack's region, where the role-side buckets (docs/DEPLOY.md §1) and the credentials SecureString are";

/**
 * Every problem of the KMS key settings: each value a key ARN ({@link parseKeyArn}), and all in
 * the stack's partition and region, since the role-side buckets and the credentials SecureString
 * are there. When the stack's region is known at synth (`env` given) the keys are checked
 * against it; an environment-agnostic stack (the region a deploy-time token) gets the format
 * check and the keys checked against the first one: its partition is known at deploy time, where
 * IAM rejects a key ARN of the other one.
 */
export function kmsKeyProblems(
  settings: readonly KeySetting[],
  stackRegion: string | undefined,
  bad: (key: string, value: unknown, expected: string) => void,
): void {
  const parsed: { setting: KeySetting; arn: KeyArn }[] = [];
  for (const setting of settings) {
    const arn = parseKeyArn(setting.value);
    if ("problem" in arn) bad(setting.key, setting.value, arn.problem);
    else parsed.push({ setting, arn });
  }
  const first = parsed[0]?.arn;
  const region = stackRegion ?? first?.region;
  if (region === undefined) return;
  const partition = partitionOf(region);
  const whose = stackRegion === undefined ? "the first key's" : "the stack's";
  for (const { setting, arn } of parsed) {
    if (arn.partition !== partition)
      bad(
        setting.key,
        setting.value,
        `${KEY_ARN_SHAPE}; arn:${partition}:kms:…, the partition of ${whose} region ${region}: every key is on the instance role's side`,
      );
    else if (arn.region !== region)
      bad(
        setting.key,
        setting.value,
        `a key in ${whose} region ${region}: ${USED_IN_STACK_REGION}`,
      );
  }
}
