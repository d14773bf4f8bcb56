import { RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as s3n from "aws-cdk-lib/aws-s3-notifications";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

/** Props of {@link NewObjectsBucket}. */
export interface NewObjectsBucketProps {
  /** The job queue that receives the ObjectCreated events. */
  readonly queue: sqs.IQueue;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The optional event path: objects written here are copied as they arrive. S3 sends each
 * ObjectCreated event to the job queue; the worker turns it into a job for `Des_bucket_default`
 * / `Des_prefix_default` (and drops S3's `s3:TestEvent`).
 */
export class NewObjectsBucket extends Construct {
  public readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: NewObjectsBucketProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.bucket = new s3.Bucket(this, "Bucket", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
    });
    this.bucket.addEventNotification(
      s3.EventType.OBJECT_CREATED,
      new s3n.SqsDestination(props.queue),
    );
  }

  /** What a worker needs to copy from it (PUT mode: read with the instance role). */
  grantWorker(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging"],
      resourceArns: [this.bucket.arnForObjects("*")],
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ["s3:ListBucket"],
      resourceArns: [this.bucket.bucketArn],
    });
  }
}
