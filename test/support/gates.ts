import type { S3Send } from "@s3-migration/worker";

/** A point in a race that one side opens and the other waits for (no sleeps). */
export interface Gate {
  /** Resolves once {@link Gate.open} was called. */
  readonly opened: Promise<void>;
  readonly isOpen: boolean;
  open(): void;
}

export function gate(): Gate {
  let open = () => {};
  let isOpen = false;
  const opened = new Promise<void>((resolve) => {
    open = () => {
      isOpen = true;
      resolve();
    };
  });
  return {
    opened,
    get isOpen() {
      return isOpen;
    },
    open: () => open(),
  };
}

/**
 * Waits for `g`, failing with `what` after `timeoutMs`: a race that never came is a test
 * failure with a reason, not a hang until the test timeout.
 */
export async function passGate(g: Gate, what: string, timeoutMs = 30_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gate not opened in time: ${what}`)), timeoutMs);
  });
  try {
    await Promise.race([g.opened, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** How a command sent through {@link interceptSend} ended. */
export type SendOutcome = { ok: true; output: unknown } | { ok: false; error: unknown };

/** Hooks of {@link interceptSend}. */
export interface SendHooks {
  /** Runs before a command is sent; the send waits for the promise it returns. */
  readonly before?: (command: object) => Promise<void> | void;
  /** Runs once the command was answered (or failed), before the caller sees it. */
  readonly after?: (command: object, outcome: SendOutcome) => void;
}

/** `s3` with hooks around every `send`: hold a command at a gate, record what it got. */
export function interceptSend(s3: S3Send, hooks: SendHooks): S3Send {
  const send = s3.send as (command: object, options?: unknown) => Promise<unknown>;
  return {
    send: (async (command: object, options?: unknown) => {
      await hooks.before?.(command);
      try {
        const output = await send.call(s3, command, options);
        hooks.after?.(command, { ok: true, output });
        return output;
      } catch (error) {
        hooks.after?.(command, { ok: false, error });
        throw error;
      }
    }) as S3Send["send"],
  };
}
