import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
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
 * An SQS queue as the worker's `send` sees it: a fake `send` that switches on the command
 * class and records every command. ReceiveMessage answers the scripted `receives` in order;
 * once they are used up it long-polls (waits `WaitTimeSeconds` on the timers, fake or real)
 * and returns nothing, as an empty queue does.
 */
export class FakeSqs {
  readonly commands: SentCommand[] = [];
  readonly receives: ReceiveAnswer[] = [];
  /** GetQueueAttributes' answer; an empty queue unless a test says otherwise. */
  counts: () => QueueCounts = () => ({ visible: 0, inFlight: 0, delayed: 0 });

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
      return {};
    }
    throw new Error(`FakeSqs does not handle ${(command as object).constructor.name}`);
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
