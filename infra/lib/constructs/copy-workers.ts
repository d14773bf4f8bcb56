import { Duration } from "aws-cdk-lib";
import * as autoscaling from "aws-cdk-lib/aws-autoscaling";
import type * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cwActions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import type * as iam from "aws-cdk-lib/aws-iam";
import type * as logs from "aws-cdk-lib/aws-logs";
import type * as sns from "aws-cdk-lib/aws-sns";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { WORKER_SERVICE, workerUnit } from "../host/systemd-units.js";
import type { ScaleStep } from "../migration-settings.js";
import { AppHostTemplate, type AppHostTemplateProps } from "./app-host-template.js";
import { newQueueDrainedAlarm } from "./queue-drained.js";

/** Props of {@link CopyWorkers}. */
export interface CopyWorkersProps
  extends Omit<AppHostTemplateProps, "role" | "units" | "startUnit" | "instanceType"> {
  /** The job queue the fleet consumes and scales on. */
  readonly queue: sqs.IQueue;
  /** Instance types of the Spot pools (similar size). @default ["c5.large", "c6i.large", "c7i.large"] */
  readonly instanceTypes?: readonly string[];
  /** @default 1 */
  readonly minCapacity?: number;
  /** @default 10 */
  readonly maxCapacity?: number;
  /** @default 0 */
  readonly onDemandBaseCapacity?: number;
  /** @default 0 */
  readonly onDemandPercentageAboveBase?: number;
  /** Scale-out steps on visible messages. @default ≥100 → +1, ≥500 → +2, ≥2000 → +5 */
  readonly scaleOutSteps?: readonly ScaleStep[];
  /** Minutes of an empty queue (visible + in flight = 0) before scaling to the minimum. @default 15 */
  readonly idleMinutes?: number;
  /** Where launch and terminate errors are notified (e.g. no Spot capacity). @default none */
  readonly launchErrorTopic?: sns.ITopic;
  /** AWS region, for the worker's `AWS_REGION`. */
  readonly region: string;
}

const ONE_MINUTE = Duration.minutes(1);

/**
 * The Spot worker fleet: a mixed-instances Auto Scaling group (price-capacity-optimized Spot,
 * capacity rebalancing, group metrics on) running the worker under systemd; step scaling out on
 * the queue's visible messages and back to the minimum once visible + in flight has been 0 for
 * `idleMinutes` (the "queue drained" alarm, which also tells that a batch finished).
 */
export class CopyWorkers extends Construct {
  public readonly host: AppHostTemplate;
  /** The worker's instance role. */
  public readonly role: iam.Role;
  /** The worker's application log group. */
  public readonly logGroup: logs.LogGroup;
  public readonly group: autoscaling.AutoScalingGroup;
  public readonly scaleOut: autoscaling.StepScalingPolicy;
  public readonly drainedAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: CopyWorkersProps) {
    super(scope, id);
    const minCapacity = props.minCapacity ?? 1;
    this.host = new AppHostTemplate(this, "Host", {
      ...props,
      role: "worker",
      units: { [WORKER_SERVICE]: workerUnit(props.region, props.nodejsMajorVersion) },
      startUnit: WORKER_SERVICE,
    });
    this.role = this.host.role;
    this.logGroup = this.host.logGroup;
    this.group = this.#newGroup(props, minCapacity);
    this.scaleOut = this.group.scaleOnMetric("ScaleOutOnBacklog", {
      metric: props.queue.metricApproximateNumberOfMessagesVisible({
        period: ONE_MINUTE,
        statistic: "Maximum",
      }),
      scalingSteps: scalingIntervals(props.scaleOutSteps ?? DEFAULT_STEPS),
      adjustmentType: autoscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      evaluationPeriods: 1,
    });
    const idleMinutes = props.idleMinutes ?? 15;
    this.drainedAlarm = newQueueDrainedAlarm(
      this,
      props.queue,
      idleMinutes,
      `Batch finished: no message waiting or in flight for ${idleMinutes} minutes; the fleet goes back to ${minCapacity} instance(s).`,
    );
    this.#scaleInOnDrained(minCapacity);
  }

  /** The mixed-instances group: price-capacity-optimized Spot over the instance types. */
  #newGroup(props: CopyWorkersProps, minCapacity: number): autoscaling.AutoScalingGroup {
    return new autoscaling.AutoScalingGroup(this, "Group", {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      minCapacity,
      maxCapacity: props.maxCapacity ?? 10,
      mixedInstancesPolicy: {
        launchTemplate: this.host.launchTemplate,
        launchTemplateOverrides: (
          props.instanceTypes ?? ["c5.large", "c6i.large", "c7i.large"]
        ).map((t) => ({
          instanceType: new ec2.InstanceType(t),
        })),
        instancesDistribution: {
          onDemandBaseCapacity: props.onDemandBaseCapacity ?? 0,
          onDemandPercentageAboveBaseCapacity: props.onDemandPercentageAboveBase ?? 0,
          spotAllocationStrategy: autoscaling.SpotAllocationStrategy.PRICE_CAPACITY_OPTIMIZED,
        },
      },
      capacityRebalance: true,
      groupMetrics: [autoscaling.GroupMetrics.all()],
      defaultInstanceWarmup: Duration.minutes(5),
      notifications: props.launchErrorTopic
        ? [{ topic: props.launchErrorTopic, scalingEvents: autoscaling.ScalingEvents.ERRORS }]
        : [],
    });
  }

  /** The drained alarm sets the group to its minimum. */
  #scaleInOnDrained(minCapacity: number): void {
    const toMinimum = new autoscaling.StepScalingAction(this, "ScaleInToMinimum", {
      autoScalingGroup: this.group,
      adjustmentType: autoscaling.AdjustmentType.EXACT_CAPACITY,
    });
    toMinimum.addAdjustment({ adjustment: minCapacity, upperBound: 0 });
    this.drainedAlarm.addAlarmAction(new cwActions.AutoScalingAction(toMinimum));
  }
}

const DEFAULT_STEPS: readonly ScaleStep[] = [
  { lower: 100, change: 1 },
  { lower: 500, change: 2 },
  { lower: 2000, change: 5 },
];

/**
 * The scale-out steps as CDK's step-scaling intervals. CDK wants at least two intervals: a
 * single step gets an explicit "no change" interval below it, which sets the same alarm.
 */
function scalingIntervals(
  steps: readonly ScaleStep[],
): { lower?: number; upper?: number; change: number }[] {
  const intervals = steps.map((s) => ({ lower: s.lower, change: s.change }));
  const [only] = steps;
  return steps.length === 1 && only !== undefined
    ? [{ upper: only.lower, change: 0 }, ...intervals]
    : intervals;
}
