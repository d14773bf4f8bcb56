import { type AttributeValue, ScanCommand } from "@aws-sdk/client-dynamodb";
import type { DynamoSend } from "./status-report.js";

/** A status item, as a Scan returns it. */
export type Item = Record<string, AttributeValue>;

/**
 * Test double of the status table: a Scan that serves `pages` one after another (the page
 * number travels in the start key) and records each request, so tests see the projection.
 */
export function fakeScan(pages: Item[][]) {
  const requests: ScanCommand["input"][] = [];
  const db: DynamoSend = {
    send: (async (command: unknown) => {
      if (!(command instanceof ScanCommand)) throw new Error("unexpected command");
      requests.push(command.input);
      const at = Number(command.input.ExclusiveStartKey?.objectId?.S ?? 0);
      const last = at + 1 < pages.length;
      return {
        Items: pages[at],
        LastEvaluatedKey: last ? { objectId: { S: String(at + 1) } } : undefined,
      };
    }) as DynamoSend["send"],
  };
  return { db, requests };
}
