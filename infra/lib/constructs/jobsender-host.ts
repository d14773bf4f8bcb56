import * as autoscaling from "aws-cdk-lib/aws-autoscaling";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import type * as iam from "aws-cdk-lib/aws-iam";
import type * as logs from "aws-cdk-lib/aws-logs";
import type * as sns from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import {
  JOBSENDER_SERVICE,
  JOBSENDER_TIMER,
  jobsenderTimer,
  jobsenderUnit,
} from "../host/systemd-units.js";
import { AppHostTemplate, type AppHostTemplateProps } from "./app-host-template.js";

/** Props of {@link JobsenderHost}. */
export interface JobsenderHostProps
  extends Omit<AppHostTemplateProps, "role" | "units" | "startUnit" | "instanceType"> {
  /** @default "t3.small" */
  readonly instanceType?: string;
  /** systemd `OnCalendar=` expression. @default "hourly" */
  readonly schedule?: string;
  /** Where launch and terminate errors are notified (e.g. no Spot capacity). @default none */
  readonly launchErrorTopic?: sns.ITopic;
  /** AWS region, for the jobsender's `AWS_REGION`. */
  readonly region: string;
}

/**
 * One on-demand instance (an Auto Scaling group of 1, so it comes back if it dies) that runs the
 * jobsender from a systemd timer. A run by hand: `systemctl start s3-migration-jobsender`
 * (through SSM Run Command or Session Manager; there is no SSH).
 */
export class JobsenderHost extends Construct {
  public readonly host: AppHostTemplate;
  /** The jobsender's instance role. */
  public readonly role: iam.Role;
  /** The jobsender's application log group. */
  public readonly logGroup: logs.LogGroup;
  public readonly group: autoscaling.AutoScalingGroup;

  constructor(scope: Construct, id: string, props: JobsenderHostProps) {
    super(scope, id);
    this.host = new AppHostTemplate(this, "Host", {
      ...props,
      role: "jobsender",
      instanceType: new ec2.InstanceType(props.instanceType ?? "t3.small"),
      units: {
        [JOBSENDER_SERVICE]: jobsenderUnit(props.region, props.nodejsMajorVersion),
        [JOBSENDER_TIMER]: jobsenderTimer(props.schedule ?? "hourly"),
      },
      startUnit: JOBSENDER_TIMER,
    });
    this.role = this.host.role;
    this.logGroup = this.host.logGroup;
    this.group = new autoscaling.AutoScalingGroup(this, "Group", {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      launchTemplate: this.host.launchTemplate,
      minCapacity: 1,
      maxCapacity: 1,
      groupMetrics: [autoscaling.GroupMetrics.all()],
      notifications: props.launchErrorTopic
        ? [{ topic: props.launchErrorTopic, scalingEvents: autoscaling.ScalingEvents.ERRORS }]
        : [],
    });
  }
}
