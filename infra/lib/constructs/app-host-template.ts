import { Aws, Fn, type RemovalPolicy, Stack } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { AGENT_NAMESPACE } from "../host/cloudwatch-agent.js";
import { hostScript } from "../host/host-script.js";

/** Props of {@link AppHostTemplate}. */
export interface AppHostTemplateProps {
  readonly vpc: ec2.IVpc;
  /** `worker` or `jobsender`. */
  readonly role: "worker" | "jobsender";
  /** Name of the application log group ({@link appLogGroupName}). */
  readonly logGroupName: string;
  /**
   * ARNs of the SSM parameters the host reads. Reading any other parameter is denied: the
   * managed `AmazonSSMManagedInstanceCore` allows `ssm:GetParameter(s)` on every parameter.
   */
  readonly parameterArns: readonly string[];
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  readonly deployBucketName: string;
  readonly nodejsMajorVersion: number;
  /** systemd units: file name → content. */
  readonly units: Readonly<Record<string, string>>;
  /** The unit to enable and start. */
  readonly startUnit: string;
  /** Root volume size. @default 30 */
  readonly rootVolumeGiB?: number;
  /** Instance type for a single-type template. @default undefined (set by the group's overrides) */
  readonly instanceType?: ec2.InstanceType;
}

/**
 * The name of a program's log group, made here only (the agent config, the metric filters, the
 * dashboard and the outputs all read it from the log group):
 * `/s3-migration/<tableQueueName>/<program>-<stack id>`, where `<stack id>` is the first block
 * of the UUID CloudFormation gives this stack (deploy time). With `retainData` the log groups
 * outlive `cdk destroy`; a fixed name would make the next deploy of the stack fail on "already
 * exists", while a new stack gets a new UUID and so new log groups, next to the kept ones.
 */
export function appLogGroupName(tableQueueName: string, program: "worker" | "jobsender"): string {
  const stackUuid = Fn.select(2, Fn.split("/", Aws.STACK_ID));
  return `/s3-migration/${tableQueueName}/${program}-${Fn.select(0, Fn.split("-", stackUuid))}`;
}

/** The parameter reads the instance roles are denied outside {@link AppHostTemplateProps.parameterArns}. */
export const PARAMETER_READ_ACTIONS = [
  "ssm:GetParameter",
  "ssm:GetParameters",
  "ssm:GetParametersByPath",
  "ssm:GetParameterHistory",
];

/**
 * What every application host shares: an instance role (SSM-managed, reading no SSM parameter
 * but its own, CloudWatch agent permissions scoped to its log group and metric namespace), a
 * security group with no inbound rule, the application log group, and a launch template
 * (Amazon Linux 2023 resolved from its public SSM parameter at deploy time, IMDSv2 only,
 * encrypted gp3 root volume, the user data).
 */
export class AppHostTemplate extends Construct {
  public readonly role: iam.Role;
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly logGroup: logs.LogGroup;
  public readonly launchTemplate: ec2.LaunchTemplate;

  constructor(scope: Construct, id: string, props: AppHostTemplateProps) {
    super(scope, id);
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("ec2.amazonaws.com"),
      description: `s3-migration ${props.role} instances`,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName("AmazonSSMManagedInstanceCore")],
    });
    this.#denyOtherParameters(props.parameterArns);
    this.securityGroup = new ec2.SecurityGroup(this, "SecurityGroup", {
      vpc: props.vpc,
      description: `s3-migration ${props.role}: no inbound, all outbound`,
      allowAllOutbound: true,
    });
    this.logGroup = new logs.LogGroup(this, "Logs", {
      logGroupName: props.logGroupName,
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    this.#grantAgent();
    this.launchTemplate = this.#newLaunchTemplate(props);
  }

  /**
   * The SSM agent's managed policy allows `ssm:GetParameter(s)` on `*`, which would let a host
   * read every parameter of the account and region: an explicit Deny keeps it to its own.
   */
  #denyOtherParameters(parameterArns: readonly string[]): void {
    if (parameterArns.length === 0)
      throw new Error("AppHostTemplate: parameterArns is empty (a host reads at least one)");
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "ReadOnlyOwnParameters",
        effect: iam.Effect.DENY,
        actions: PARAMETER_READ_ACTIONS,
        notResources: [...parameterArns],
      }),
    );
  }

  /** The CloudWatch agent ships the application log and the host metrics. */
  #grantAgent(): void {
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "AgentShipsAppLog",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "AgentHostMetrics",
        actions: ["cloudwatch:PutMetricData"],
        resources: ["*"],
        conditions: { StringEquals: { "cloudwatch:namespace": AGENT_NAMESPACE } },
      }),
    );
  }

  #newLaunchTemplate(props: AppHostTemplateProps): ec2.LaunchTemplate {
    const stack = Stack.of(this);
    const userData = ec2.UserData.forLinux();
    userData.addCommands(
      ...hostScript({
        role: props.role,
        stackName: stack.stackName,
        region: stack.region,
        deployBucketName: props.deployBucketName,
        logGroupName: this.logGroup.logGroupName,
        nodejsMajorVersion: props.nodejsMajorVersion,
        units: props.units,
        startUnit: props.startUnit,
      }),
    );
    return new ec2.LaunchTemplate(this, "LaunchTemplate", {
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
      instanceType: props.instanceType,
      role: this.role,
      securityGroup: this.securityGroup,
      userData,
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      blockDevices: [
        {
          deviceName: "/dev/xvda",
          volume: ec2.BlockDeviceVolume.ebs(props.rootVolumeGiB ?? 30, {
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            encrypted: true,
            deleteOnTermination: true,
          }),
        },
      ],
    });
  }
}
