import { Duration } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import { Construct } from "constructs";
import { AppFunction, type AppFunctionProps } from "./app-function.js";

/** Props of {@link JobsenderFunction}. */
export interface JobsenderFunctionProps
  extends Omit<AppFunctionProps, "program" | "description" | "reservedConcurrency"> {
  /** EventBridge schedule expression (`rate(…)` or `cron(…)`, UTC), validated by the settings. */
  readonly scheduleExpression: string;
}

/**
 * The Lambda jobsender (`jobsender-lambda.mjs`, packages/jobsender/src/lambda/handler.ts) on an
 * EventBridge schedule rule. Reserved concurrency 1: runs never overlap (a run still going when
 * the next is due makes that one wait, then it finds the queue busy). No retry of a failed run:
 * the next scheduled run is the retry, and the errors alarm tells.
 */
export class JobsenderFunction extends Construct {
  public readonly app: AppFunction;
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: JobsenderFunctionProps) {
    super(scope, id);
    this.app = new AppFunction(this, "App", {
      ...props,
      program: "jobsender-lambda",
      description: "s3-migration jobsender: lists the bucket map and sends the jobs (schedule)",
      reservedConcurrency: 1,
    });
    this.app.fn.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.hours(1) });
    this.rule = new events.Rule(this, "Schedule", {
      description: "s3-migration jobsender schedule",
      schedule: events.Schedule.expression(props.scheduleExpression),
      targets: [new targets.LambdaFunction(this.app.fn, { retryAttempts: 0 })],
    });
    this.app.logsReady(this.rule);
  }
}
