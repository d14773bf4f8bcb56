import { RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as s3deploy from "aws-cdk-lib/aws-s3-deployment";
import { Construct } from "constructs";
import { APP_INI_NAME, IGNORE_LIST_NAME } from "../app-ini.js";
import { DEPLOY_PREFIX } from "../host/host-script.js";

/** The bundle's Lambda programs (`*-lambda.mjs` and source maps), left out of `app/`. */
export const LAMBDA_PROGRAM_FILES = ["*-lambda.mjs", "*-lambda.mjs.map"];

/** Props of {@link CodeDelivery}. */
export interface CodeDeliveryProps {
  /** Folder with the bundled programs (`worker.mjs`, `jobsender.mjs`, source maps). */
  readonly bundleDir: string;
  /** The generated ini (see `buildAppIni`). */
  readonly appIni: string;
  /** Jobsender ignore patterns, one per line of the ignore-list file. @default [] (no file) */
  readonly ignorePatterns?: readonly string[];
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The deploy bucket: `app/` holds the bundle and the config, which the instances copy at boot
 * and before every service start. Replacing a file there (or redeploying) and restarting the
 * service (or recycling the instance) changes what runs, with no login to a server.
 */
export class CodeDelivery extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly deployment: s3deploy.BucketDeployment;

  constructor(scope: Construct, id: string, props: CodeDeliveryProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.bucket = new s3.Bucket(this, "Bucket", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
    });
    this.deployment = new s3deploy.BucketDeployment(this, "App", {
      destinationBucket: this.bucket,
      destinationKeyPrefix: DEPLOY_PREFIX,
      sources: [
        // The Lambda handlers ship in their functions' own code assets, not to the hosts.
        s3deploy.Source.asset(props.bundleDir, { exclude: LAMBDA_PROGRAM_FILES }),
        s3deploy.Source.data(APP_INI_NAME, props.appIni),
        ...(props.ignorePatterns?.length
          ? [s3deploy.Source.data(IGNORE_LIST_NAME, `${props.ignorePatterns.join("\n")}\n`)]
          : []),
      ],
      memoryLimit: 512,
      prune: true,
    });
  }

  /** Read `app/` (the bundle and the config): list that prefix, get its objects. */
  grantRead(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ["s3:GetObject"],
      resourceArns: [this.bucket.arnForObjects(`${DEPLOY_PREFIX}*`)],
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ["s3:ListBucket"],
      resourceArns: [this.bucket.bucketArn],
      conditions: { StringLike: { "s3:prefix": [`${DEPLOY_PREFIX}*`] } },
    });
  }
}
