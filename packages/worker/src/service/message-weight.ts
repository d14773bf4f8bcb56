/**
 * How many connections the worker's recent messages claimed each, on average (an exponential
 * moving average): a small object or a job claims one, a giant object's slice one per part. The
 * poll loop divides its free connections by it, so a worker whose queue carries slices takes
 * as many as its connections can carry, and leaves the others to idle workers.
 */
export class MessageWeight {
  #average = 1;

  /** One message that claims `connections` connections. */
  record(connections: number): void {
    this.#average = 0.7 * this.#average + 0.3 * Math.max(1, connections);
  }

  /** Connections per message, at least 1. */
  get average(): number {
    return this.#average;
  }

  /** Messages `freeConnections` can carry: at least one. */
  messagesFor(freeConnections: number): number {
    return Math.max(1, Math.floor(freeConnections / this.#average));
  }
}
