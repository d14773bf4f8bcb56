import { Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { BUCKET_MAP, buildStack, fleetOf } from "./stack-fixture.js";

describe("JobQueue, StateTable and MigrationParameters with default settings", () => {
  const stack = buildStack();
  const template = Template.fromStack(stack);
  const dlqArn = stack.resolve(stack.jobQueue.deadLetterQueue.queueArn);

  it("names the queue table_queue_name and redrives to its DLQ after 24 receives", () => {
    template.hasResourceProperties("AWS::SQS::Queue", {
      QueueName: "s3_migration_file_list",
      RedrivePolicy: { deadLetterTargetArn: dlqArn, maxReceiveCount: 24 },
      SqsManagedSseEnabled: true,
    });
  });

  it("gives the queue a 300 s visibility timeout (the worker's heartbeat extends it every 100 s) and 20 s long polls", () => {
    template.hasResourceProperties("AWS::SQS::Queue", {
      QueueName: "s3_migration_file_list",
      VisibilityTimeout: 300,
      ReceiveMessageWaitTimeSeconds: 20,
    });
  });

  it("keeps jobs for 14 days (SQS's maximum): an expired job is never copied", () => {
    template.hasResourceProperties("AWS::SQS::Queue", {
      QueueName: "s3_migration_file_list",
      MessageRetentionPeriod: 14 * 86_400,
    });
  });

  it("keeps dead letters for 14 days, encrypted, under <name>-DLQ", () => {
    template.hasResourceProperties("AWS::SQS::Queue", {
      QueueName: "s3_migration_file_list-DLQ",
      MessageRetentionPeriod: 14 * 86_400,
      SqsManagedSseEnabled: true,
      RedrivePolicy: Match.absent(),
    });
  });

  it("denies non-TLS access to both queues", () => {
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
        ]),
      },
    });
  });

  it("creates the status table on demand with the worker's key and point-in-time recovery, retained", () => {
    template.hasResource("AWS::DynamoDB::Table", {
      DeletionPolicy: "Retain",
      Properties: Match.objectLike({
        TableName: "s3_migration_file_list",
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: [{ AttributeName: "objectId", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "objectId", AttributeType: "S" }],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        GlobalSecondaryIndexes: Match.absent(),
      }),
    });
  });

  it("stores the validated bucket map verbatim as a Standard String parameter", () => {
    template.hasResourceProperties("AWS::SSM::Parameter", {
      Name: "s3_migration_bucket_para",
      Type: "String",
      Tier: "Standard",
      Value: BUCKET_MAP,
    });
  });

  it("does not create the credentials SecureString (made by hand)", () => {
    const names = Object.values(template.findResources("AWS::SSM::Parameter")).map(
      (r) => r.Properties.Name,
    );
    expect(names).not.toContain("s3_migration_credentials");
  });
});

describe("JobQueue with maxReceiveCount 5 and visibility 900 s", () => {
  const template = Template.fromStack(
    buildStack({ maxReceiveCount: 5, visibilityTimeoutSeconds: 900, tableQueueName: "batch_2" }),
  );

  it("uses the configured redrive count and timeout", () => {
    template.hasResourceProperties("AWS::SQS::Queue", {
      QueueName: "batch_2",
      VisibilityTimeout: 900,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }),
    });
    template.hasResourceProperties("AWS::SQS::Queue", { QueueName: "batch_2-DLQ" });
  });
});

describe("NewObjectsBucket (eventSource set)", () => {
  const stack = buildStack({
    eventSource: { destinationBucket: "china-dst-a", destinationPrefix: "incoming" },
  });
  const template = Template.fromStack(stack);
  const queueArn = stack.resolve(stack.jobQueue.queue.queueArn);

  it("sends the bucket's ObjectCreated events to the job queue", () => {
    template.hasResourceProperties("Custom::S3BucketNotifications", {
      BucketName: stack.resolve(stack.newObjects?.bucket.bucketName),
      NotificationConfiguration: {
        QueueConfigurations: [{ Events: ["s3:ObjectCreated:*"], QueueArn: queueArn }],
      },
    });
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Allow",
            Principal: { Service: "s3.amazonaws.com" },
            Action: Match.arrayWith(["sqs:SendMessage"]),
            Resource: queueArn,
          }),
        ]),
      },
    });
  });

  it("lets the worker read the new objects", () => {
    template.hasResourceProperties("AWS::IAM::Policy", {
      Roles: [stack.resolve(fleetOf(stack).role.roleName)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging"],
            Resource: stack.resolve(stack.newObjects?.bucket.arnForObjects("*")),
          }),
        ]),
      },
    });
  });
});
