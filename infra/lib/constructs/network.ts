import { RemovalPolicy } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";

/** Props of {@link Network}. */
export interface NetworkProps {
  /** @default "10.80.0.0/16" */
  readonly cidr?: string;
  /** Retention of the VPC flow log (rejected traffic only). @default 30 days */
  readonly flowLogRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * Two AZs, public subnets only: the workers need the internet path to the other partition, and a
 * NAT gateway would only add cost. S3 in this region goes through a gateway endpoint (free, and
 * off the internet path). Resolves AZs with `Fn::GetAZs` at deploy time: no lookup at synth.
 */
export class Network extends Construct {
  public readonly vpc: ec2.Vpc;
  public readonly s3Endpoint: ec2.GatewayVpcEndpoint;

  constructor(scope: Construct, id: string, props: NetworkProps = {}) {
    super(scope, id);
    this.vpc = new ec2.Vpc(this, "Vpc", {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr ?? "10.80.0.0/16"),
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: "public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 20 }],
      restrictDefaultSecurityGroup: false,
    });
    this.s3Endpoint = this.vpc.addGatewayEndpoint("S3", {
      service: ec2.GatewayVpcEndpointAwsService.S3,
    });
    const flowLogGroup = new logs.LogGroup(this, "FlowLogs", {
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.vpc.addFlowLog("RejectedTraffic", {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
  }
}
