/**
 * The status table as a cross-check of a run of ours: after the workers have stopped, every
 * item must be `status = done` and there must be one per object, or the run is not valid. The
 * table also times the run a second way: from the jobsender's start to the latest `endTime`.
 */
import type { AttributeValue } from "../../test/node_modules/@aws-sdk/client-dynamodb/dist-types/index.js";
import { type ControlClients, ddbSdk } from "./control-clients.js";

/** What the scan found. */
export interface StatusCheck {
  /** Items in the table. */
  readonly items: number;
  /** Items with `status = done`. */
  readonly done: number;
  /** Seconds from `sinceMs` to the latest `endTime` of a done item (NaN without one). */
  readonly seconds: number;
  /** Empty when the table is as it must be. */
  readonly problems: readonly string[];
}

/**
 * Scans `table` (paginated) and checks it holds `expected` items, all done. `sinceMs`: the
 * jobsender's start, epoch ms (the workers write `endTime` from the same clock).
 */
export async function checkStatusTable(
  dynamodb: Pick<ControlClients["dynamodb"], "send">,
  table: string,
  expected: number,
  sinceMs: number,
): Promise<StatusCheck> {
  const notDone: string[] = [];
  let items = 0;
  let lastEnd = Number.NEGATIVE_INFINITY;
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(
      new ddbSdk.ScanCommand({
        TableName: table,
        ExclusiveStartKey: startKey,
        ProjectionExpression: "objectId, #status, endTime",
        ExpressionAttributeNames: { "#status": "status" },
      }),
    );
    for (const item of page.Items ?? []) {
      items++;
      const status = item.status?.S;
      if (status !== "done") notDone.push(`${item.objectId?.S}: status ${status ?? "(none)"}`);
      else lastEnd = Math.max(lastEnd, Date.parse(item.endTime?.S ?? ""));
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined && Object.keys(startKey).length > 0);
  const problems = [
    ...(items === expected ? [] : [`status table: ${items} items, expected ${expected}`]),
    ...notDone.slice(0, 5).map((p) => `status table: ${p}`),
    ...(notDone.length > 5 ? [`status table: ${notDone.length - 5} more not done`] : []),
  ];
  const seconds = Number.isFinite(lastEnd) ? (lastEnd - sinceMs) / 1000 : Number.NaN;
  return { items, done: items - notDone.length, seconds, problems };
}
