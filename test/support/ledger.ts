import { LeaseLostError, type UploadBinding, type UploadLedger } from "@s3-migration/worker";

/** One attempt's view of the object's record, with what it did. */
export interface AttemptLedger extends UploadLedger {
  /** Confirms that passed. */
  readonly confirms: number;
  /** The errors its `bind`/`confirm` threw after it lost the object. */
  readonly lost: readonly LeaseLostError[];
}

/**
 * One object's record in the status table, in memory, for engine tests: the upload binding an
 * attempt records and the next attempt finds, and the lease (the latest claim holds it, as a
 * takeover does; an earlier attempt's `bind` and `confirm` then fail with {@link LeaseLostError}).
 */
export class LedgerRecord {
  binding: UploadBinding | undefined;
  /** Every binding recorded, in order. */
  readonly bindings: UploadBinding[] = [];
  readonly #onBind: ((binding: UploadBinding) => void) | undefined;
  #holder = 0;

  /** @param onBind - called after each binding is recorded (a gate for a race). */
  constructor(onBind?: (binding: UploadBinding) => void) {
    this.#onBind = onBind;
  }

  /** A new attempt claims the object (taking it over from any earlier one). */
  claim(): AttemptLedger {
    const me = ++this.#holder;
    const lost: LeaseLostError[] = [];
    let confirms = 0;
    const check = () => {
      if (this.#holder === me) return;
      const err = new LeaseLostError("another attempt took the object over");
      lost.push(err);
      throw err;
    };
    return {
      recorded: this.binding,
      get confirms() {
        return confirms;
      },
      lost,
      bind: async (binding) => {
        check();
        this.binding = binding;
        this.bindings.push(binding);
        this.#onBind?.(binding);
      },
      confirm: async () => {
        check();
        confirms++;
      },
    };
  }
}
