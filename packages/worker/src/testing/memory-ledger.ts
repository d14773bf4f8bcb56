import {
  LeaseLostError,
  type UploadBinding,
  type UploadLedger,
} from "../engine/transfer/upload-ledger.js";

/**
 * An upload ledger in memory, standing in for the status table across attempts in engine
 * tests and benchmarks: what one attempt binds, the next one finds as `recorded`.
 * `takeOver()` makes every later bind and confirm fail as another attempt's takeover would.
 */
export class MemoryLedger implements UploadLedger {
  recorded: UploadBinding | undefined;
  /** Every binding recorded, in order. */
  readonly bindings: UploadBinding[] = [];
  confirms = 0;
  #lost = false;

  constructor(recorded?: UploadBinding) {
    this.recorded = recorded;
  }

  async bind(binding: UploadBinding): Promise<void> {
    if (this.#lost) throw new LeaseLostError("another attempt took the object over");
    this.bindings.push(binding);
    this.recorded = binding;
  }

  async confirm(): Promise<void> {
    if (this.#lost) throw new LeaseLostError("another attempt took the object over");
    this.confirms++;
  }

  /** From now on this attempt has lost the object to another one. */
  takeOver(): void {
    this.#lost = true;
  }
}
