import { type Duration, RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { type LambdaCodeProps, lambdaCode } from "./lambda-code.js";

/** Props of {@link AppFunction}. */
export interface AppFunctionProps extends LambdaCodeProps {
  readonly description: string;
  /** Node.js major of the runtime (`nodejs<N>.x`), the same as the hosts' (`nodejsMajorVersion`). */
  readonly nodejsMajorVersion: number;
  readonly memoryMiB: number;
  readonly timeout: Duration;
  /** Reserved concurrency: at most this many invocations at once, always available to them. */
  readonly reservedConcurrency: number;
  readonly logRetention: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** Extra environment (e.g. `S3MIG_<key>` overrides). @default {} */
  readonly environment?: Readonly<Record<string, string>>;
}

/** The Lambda runtime of a Node.js major, as CDK knows it (so cdk-nag's L1 can compare). */
export function nodejsRuntime(major: number): lambda.Runtime {
  const runtime = lambda.Runtime.ALL.find((r) => r.name === `nodejs${major}.x`);
  if (runtime === undefined) throw new Error(`no Lambda runtime nodejs${major}.x in aws-cdk-lib`);
  return runtime;
}

/**
 * One application program as a Lambda function: its own role (no managed policy; log writes
 * granted on its log group only), the log group Lambda writes to (`/aws/lambda/<function>`,
 * created here so it gets the stack's retention and removal policy), and the function (x86_64,
 * outside any VPC: it reaches the other partition over the internet, as the public-subnet
 * hosts do). The caller grants the data access and adds the trigger; the trigger must wait for
 * {@link AppFunction.logsReady} so no invocation runs before its log group and grant exist.
 */
export class AppFunction extends Construct {
  public readonly role: iam.Role;
  public readonly fn: lambda.Function;
  public readonly logGroup: logs.LogGroup;
  /** The log write grant: a separate policy, since the log group's name needs the function's. */
  public readonly logWrite: iam.Policy;
  public readonly timeout: Duration;
  public readonly reservedConcurrency: number;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    super(scope, id);
    this.timeout = props.timeout;
    this.reservedConcurrency = props.reservedConcurrency;
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `s3-migration ${props.program} function`,
    });
    this.fn = new lambda.Function(this, "Function", {
      description: props.description,
      runtime: nodejsRuntime(props.nodejsMajorVersion),
      architecture: lambda.Architecture.X86_64,
      handler: `${props.program}.handler`,
      code: lambdaCode(props),
      role: this.role,
      memorySize: props.memoryMiB,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: { NODE_OPTIONS: "--enable-source-maps", ...props.environment },
    });
    // Lambda's own log group name, so no LoggingConfig is needed (not in every partition).
    this.logGroup = new logs.LogGroup(this, "Logs", {
      logGroupName: `/aws/lambda/${this.fn.functionName}`,
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.logWrite = new iam.Policy(this, "LogWrite", {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          sid: "FunctionWritesOwnLog",
          actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
          resources: [this.logGroup.logGroupArn],
        }),
      ],
    });
  }

  /** Makes `trigger` (event source mapping, schedule rule) wait for the log group and grant. */
  logsReady(trigger: Construct): void {
    trigger.node.addDependency(this.logGroup, this.logWrite);
  }
}
