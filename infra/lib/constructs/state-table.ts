import { STATUS_TABLE } from "@s3-migration/common";
import { RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";

/** Props of {@link StateTable}. */
export interface StateTableProps {
  /** `table_queue_name`. */
  readonly tableName: string;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The status table: on demand, point-in-time recovery, the worker's key (`objectId` string).
 * No secondary index: the jobsender's version compare reads it with a paginated Scan, and an
 * index keyed by bucket would put a whole bucket's writes on one partition key.
 */
export class StateTable extends Construct {
  public readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: StateTableProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, "Table", {
      tableName: props.tableName,
      partitionKey: { name: STATUS_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }

  /** What a worker does: check the table at start, read and update status items. */
  grantWorker(grantee: iam.IGrantable): void {
    this.table.grant(
      grantee,
      "dynamodb:DescribeTable",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
    );
  }

  /** What the jobsender does: read recorded versions (paginated Scan/Query). */
  grantJobsender(grantee: iam.IGrantable): void {
    this.table.grant(
      grantee,
      "dynamodb:DescribeTable",
      "dynamodb:GetItem",
      "dynamodb:Query",
      "dynamodb:Scan",
    );
  }
}
