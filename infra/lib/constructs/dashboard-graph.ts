import type * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { GraphWidget, type GraphWidgetProps } from "aws-cdk-lib/aws-cloudwatch";

/** A half-width dashboard graph, the dashboard's one widget size. */
export function graph(
  title: string,
  left: cloudwatch.IMetric[],
  extra: Partial<GraphWidgetProps> = {},
): GraphWidget {
  return new GraphWidget({ title, left, width: 12, height: 6, ...extra });
}
