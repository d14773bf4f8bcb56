import { Aws } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as ssm from "aws-cdk-lib/aws-ssm";
import { Construct } from "constructs";

/** Props of {@link MigrationParameters}. */
export interface MigrationParametersProps {
  /** Name of the bucket-map String parameter the stack owns. */
  readonly bucketMapParameterName: string;
  /** The bucket map, already validated (JSON text, stored verbatim). */
  readonly bucketMapJson: string;
  /** Name of the credentials SecureString, created by hand (CloudFormation cannot create one). */
  readonly credentialsParameterName: string;
  /** Its KMS key. @default undefined: the account's `aws/ssm` key (any key, used through SSM only) */
  readonly credentialsKmsKeyArn?: string;
}

/** The bucket map (created here) and the credentials SecureString (referenced by name). */
export class MigrationParameters extends Construct {
  public readonly bucketMap: ssm.StringParameter;
  public readonly credentials: ssm.IStringParameter;
  readonly #kmsKeyArn: string | undefined;

  constructor(scope: Construct, id: string, props: MigrationParametersProps) {
    super(scope, id);
    this.bucketMap = new ssm.StringParameter(this, "BucketMap", {
      parameterName: props.bucketMapParameterName,
      description: "s3-migration bucket map: [{src_bucket, src_prefix, des_bucket, des_prefix}]",
      stringValue: props.bucketMapJson,
      // Standard parameters hold 4 KB; the advanced tier 8 KB (and costs per parameter-month).
      tier:
        props.bucketMapJson.length > 4096 ? ssm.ParameterTier.ADVANCED : ssm.ParameterTier.STANDARD,
    });
    this.credentials = ssm.StringParameter.fromSecureStringParameterAttributes(
      this,
      "Credentials",
      {
        parameterName: props.credentialsParameterName,
      },
    );
    this.#kmsKeyArn = props.credentialsKmsKeyArn;
  }

  /** Read the bucket map and the credentials (SSM read + KMS decrypt through SSM only). */
  grantRead(grantee: iam.IGrantable): void {
    this.bucketMap.grantRead(grantee);
    this.credentials.grantRead(grantee);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "DecryptCredentialsThroughSsm",
        actions: ["kms:Decrypt"],
        resources: [
          this.#kmsKeyArn ?? `arn:${Aws.PARTITION}:kms:${Aws.REGION}:${Aws.ACCOUNT_ID}:key/*`,
        ],
        conditions: { StringEquals: { "kms:ViaService": `ssm.${Aws.REGION}.${Aws.URL_SUFFIX}` } },
      }),
    );
  }
}
