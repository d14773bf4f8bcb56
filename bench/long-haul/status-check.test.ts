import { describe, expect, it } from "vitest";
import type { ControlClients } from "./control-clients.js";
import { checkStatusTable } from "./status-check.js";

const since = Date.parse("2026-12-06T05:00:00.000Z");
const item = (key: string, status: string, endTime?: string) => ({
  objectId: { S: `src/${key}` },
  status: { S: status },
  ...(endTime === undefined ? {} : { endTime: { S: endTime } }),
});

/** A fake `send` that answers each Scan with the next page and records the inputs. */
function pagedTable(pages: Record<string, unknown>[][]) {
  const inputs: Record<string, unknown>[] = [];
  const send = async (command: { input: Record<string, unknown> }) => {
    inputs.push(command.input);
    const i = inputs.length - 1;
    return {
      Items: pages[i] ?? [],
      LastEvaluatedKey: i + 1 < pages.length ? { objectId: { S: `page-${i}` } } : undefined,
    };
  };
  return { db: { send } as unknown as Pick<ControlClients["dynamodb"], "send">, inputs };
}

describe("checkStatusTable", () => {
  it("accepts a table with one done item per object, over pages, and times it by endTime", async () => {
    // Prepare
    const { db, inputs } = pagedTable([
      [item("a", "done", "2026-12-06T05:00:01.000Z")],
      [item("b", "done", "2026-12-06T05:00:02.500Z")],
    ]);
    // Act
    const check = await checkStatusTable(db, "t", 2, since);
    // Assess
    expect(check).toEqual({ items: 2, done: 2, seconds: 2.5, problems: [] });
    expect(inputs[1]?.ExclusiveStartKey).toEqual({ objectId: { S: "page-0" } });
  });

  it("fails a run with an item not done or an object missing", async () => {
    // Prepare
    const { db } = pagedTable([
      [item("a", "done", "2026-12-06T05:00:01.000Z"), item("b", "running")],
    ]);
    // Act
    const check = await checkStatusTable(db, "t", 3, since);
    // Assess
    expect(check.done).toBe(1);
    expect(check.problems).toEqual([
      "status table: 2 items, expected 3",
      "status table: src/b: status running",
    ]);
  });
});
