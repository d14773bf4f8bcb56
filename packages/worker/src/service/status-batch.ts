import { BatchWriteItemCommand } from "@aws-sdk/client-dynamodb";
import { STATUS_TABLE } from "@s3-migration/common";
import type { Item } from "./status-item.js";
import type { DynamoSend } from "./status-store.js";

/** BatchWriteItem's most requests per call. */
const MAX_BATCH = 25;

/** One queued put: the whole item, and the conditional write to fall back on. */
interface Entry {
  readonly item: Item;
  readonly alone: () => Promise<boolean>;
  readonly settle: (ok: Promise<boolean>) => void;
}

/**
 * The `done` records of small objects, written 25 to a BatchWriteItem call instead of one
 * UpdateItem each: per object, a DynamoDB call costs the worker more CPU than the copy of a
 * 64 KiB object, and hundreds finish every second. A batch takes no condition, so only a
 * write the caller has proven safe comes here (see `doneItem`: the attempt's lease is live).
 * An entry DynamoDB leaves unprocessed, or every entry of a call that fails, is written alone
 * with its own conditional write (`alone`), whose answer is the entry's.
 */
export class StatusBatch {
  readonly #db: DynamoSend;
  readonly #table: string;
  readonly #flushMs: number;
  #waiting: Entry[] = [];
  #timer: NodeJS.Timeout | undefined;

  /** @param flushMs - how long a partial batch waits for more entries. @default 10 */
  constructor(db: DynamoSend, table: string, flushMs = 10) {
    this.#db = db;
    this.#table = table;
    this.#flushMs = flushMs;
  }

  /** Writes `item` in a batch; resolves with whether it was written (false: `alone` refused). */
  put(item: Item, alone: () => Promise<boolean>): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.#waiting.push({ item, alone, settle: (ok) => ok.then(resolve, reject) });
      if (this.#waiting.length >= MAX_BATCH) this.#flush();
      // Referenced, as the batch must go out before the process may end.
      else this.#timer ??= setTimeout(() => this.#flush(), this.#flushMs);
    });
  }

  /** Sends what waits now. */
  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#waiting.length > 0) void this.#send(this.#waiting.splice(0, MAX_BATCH));
  }

  async #send(entries: readonly Entry[]): Promise<void> {
    let unprocessed: ReadonlySet<string>;
    try {
      const out = await this.#db.send(
        new BatchWriteItemCommand({
          RequestItems: { [this.#table]: entries.map((e) => ({ PutRequest: { Item: e.item } })) },
        }),
      );
      unprocessed = new Set(
        (out.UnprocessedItems?.[this.#table] ?? []).map((r) => idOf(r.PutRequest?.Item)),
      );
    } catch {
      // Each entry then follows its own conditional write, which reports its own error.
      unprocessed = new Set(entries.map((e) => idOf(e.item)));
    }
    for (const e of entries) {
      e.settle(unprocessed.has(idOf(e.item)) ? e.alone() : Promise.resolve(true));
    }
  }
}

/** The partition key of an item. */
function idOf(item: Item | undefined): string {
  return item?.[STATUS_TABLE.partitionKey]?.S ?? "";
}
