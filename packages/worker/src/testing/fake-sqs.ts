import {
  BatchEntryIdsNotDistinct,
  type BatchResultErrorEntry,
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  EmptyBatchRequest,
  GetQueueAttributesCommand,
  InvalidBatchEntryId,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
  TooManyEntriesInBatchRequest,
} from "@aws-sdk/client-sqs";

/** One command the fake received: its class name and input. */
export interface SentCommand {
  readonly name: string;
  readonly input: Record<string, unknown>;
}

/**
 * What one ReceiveMessage answers: messages, an error to throw, or a function (a long poll
 * the test finishes itself, e.g. after `stop()`).
 */
export type ReceiveAnswer = readonly Message[] | Error | (() => Promise<readonly Message[]>);

/** The queue's counts as GetQueueAttributes reports them. */
export interface QueueCounts {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

/**
 * What the single DeleteMessage / ChangeMessageVisibility of one receipt handle does instead of
 * succeeding at once: throw this error, or return when this function's promise resolves (and
 * throw what it rejects with).
 */
export type SingleAnswer = Error | (() => Promise<void>);

/**
 * An SQS queue as the worker's `send` sees it: a fake `send` that switches on the command
 * class and records every command. ReceiveMessage answers the scripted `receives` in order;
 * once they are used up it long-polls (waits `WaitTimeSeconds` on the timers, fake or real)
 * and returns nothing, as an empty queue does. Deletes and visibility changes succeed, single
 * or batched, unless a test scripts otherwise (`singleAnswers`, `failInBatch`, `omitFromBatch`,
 * `batchErrors`). A batch call SQS would refuse (no entries, more than 10, ids repeated or not
 * `[A-Za-z0-9_-]{1,80}`) throws SQS's error.
 */
export class FakeSqs {
  readonly commands: SentCommand[] = [];
  readonly receives: ReceiveAnswer[] = [];
  /** GetQueueAttributes' answer; an empty queue unless a test says otherwise. */
  counts: () => QueueCounts = () => ({ visible: 0, inFlight: 0, delayed: 0 });
  /** Scripted single-entry deletes and visibility changes, by receipt handle (every call). */
  readonly singleAnswers = new Map<string, SingleAnswer>();
  /** Receipt handles a batch call lists in `Failed` with this code (e.g. `InternalError`). */
  readonly failInBatch = new Map<string, string>();
  /** Receipt handles a batch call leaves out of both `Successful` and `Failed`. */
  readonly omitFromBatch = new Set<string>();
  /** Errors the next batch calls throw, one each, in order (then they answer again). */
  readonly batchErrors: Error[] = [];

  readonly send = (async (command: unknown) => {
    this.commands.push({
      name: (command as object).constructor.name.replace(/Command$/, ""),
      input: (command as { input: Record<string, unknown> }).input,
    });
    return this.#handle(command);
  }) as unknown as Pick<SQSClient, "send">["send"];

  /** Inputs of the commands of one kind (`"DeleteMessage"`, `"ChangeMessageVisibility"` …). */
  inputs(name: string): Record<string, unknown>[] {
    return this.commands.filter((c) => c.name === name).map((c) => c.input);
  }

  /** The settling commands only (deletes and visibility changes), in order. */
  settles(): SentCommand[] {
    return this.commands.filter(
      (c) => c.name !== "ReceiveMessage" && c.name !== "GetQueueAttributes",
    );
  }

  async #handle(command: unknown): Promise<unknown> {
    if (command instanceof ReceiveMessageCommand) {
      const answer = this.receives.shift();
      if (answer instanceof Error) throw answer;
      if (typeof answer === "function") return { Messages: await answer() };
      if (answer !== undefined) return { Messages: answer };
      await new Promise((r) => setTimeout(r, (command.input.WaitTimeSeconds ?? 0) * 1000));
      return {};
    }
    if (command instanceof GetQueueAttributesCommand) {
      const c = this.counts();
      return {
        Attributes: {
          ApproximateNumberOfMessages: String(c.visible),
          ApproximateNumberOfMessagesNotVisible: String(c.inFlight),
          ApproximateNumberOfMessagesDelayed: String(c.delayed),
        },
      };
    }
    if (
      command instanceof ChangeMessageVisibilityCommand ||
      command instanceof DeleteMessageCommand
    ) {
      const answer = this.singleAnswers.get(command.input.ReceiptHandle ?? "");
      if (answer instanceof Error) throw answer;
      if (answer !== undefined) await answer();
      return {};
    }
    if (
      command instanceof ChangeMessageVisibilityBatchCommand ||
      command instanceof DeleteMessageBatchCommand
    ) {
      return this.#answerBatch(command.input.Entries ?? []);
    }
    throw new Error(`FakeSqs does not handle ${(command as object).constructor.name}`);
  }

  /** A batch answer as scripted: every entry `Successful` unless failed or left out. */
  #answerBatch(entries: readonly BatchEntry[]): unknown {
    const error = this.batchErrors.shift();
    if (error !== undefined) throw error;
    checkBatch(entries);
    const Successful: { Id: string | undefined }[] = [];
    const Failed: BatchResultErrorEntry[] = [];
    for (const { Id, ReceiptHandle } of entries) {
      if (this.omitFromBatch.has(ReceiptHandle ?? "")) continue;
      const Code = this.failInBatch.get(ReceiptHandle ?? "");
      if (Code === undefined) Successful.push({ Id });
      else Failed.push({ Id, Code, Message: `scripted ${Code}`, SenderFault: false });
    }
    return { Successful, Failed };
  }
}

/** One entry of a batch call, as both batch APIs take it. */
interface BatchEntry {
  readonly Id: string | undefined;
  readonly ReceiptHandle: string | undefined;
}

/** SQS's checks of a batch call: what it refuses as a whole. */
function checkBatch(entries: readonly BatchEntry[]): void {
  const $metadata = { httpStatusCode: 400 };
  if (entries.length === 0) {
    throw new EmptyBatchRequest({ message: "no entries", $metadata });
  }
  if (entries.length > 10) {
    throw new TooManyEntriesInBatchRequest({ message: `${entries.length} entries`, $metadata });
  }
  const ids = entries.map((e) => e.Id ?? "");
  const invalid = ids.find((id) => !/^[A-Za-z0-9_-]{1,80}$/.test(id));
  if (invalid !== undefined) {
    throw new InvalidBatchEntryId({ message: `invalid id ${JSON.stringify(invalid)}`, $metadata });
  }
  if (new Set(ids).size !== ids.length) {
    throw new BatchEntryIdsNotDistinct({ message: `ids ${ids.join(",")}`, $metadata });
  }
}

/** A received message with a receipt handle and receive count, as the worker asks for them. */
export function sqsMessage(body: string, receiveCount = 1, id = "m-1"): Message {
  return {
    MessageId: id,
    ReceiptHandle: `receipt-${id}`,
    Body: body,
    Attributes: { ApproximateReceiveCount: String(receiveCount) },
  };
}
