import { MigrationError } from "@s3-migration/common";

/** Which listing of a diff an error is about. */
export type ListingSide = "source" | "destination";

/**
 * A listing is not in strictly increasing UTF-8 binary order (a key went backwards or came
 * twice). A diff over it would produce wrong jobs, so the diff stops instead.
 */
export class ListingOrderError extends MigrationError {
  override name = "ListingOrderError" as const;
  /** The listing that went backwards. */
  readonly side: ListingSide;
  /** The key seen before (relative to the listing's prefix). */
  readonly previousKey: string;
  /** The key that is not after {@link previousKey}. */
  readonly key: string;

  constructor(side: ListingSide, previousKey: string, key: string, options?: ErrorOptions) {
    super(
      `${side} listing is not in UTF-8 binary order: ${JSON.stringify(key)} came after ${JSON.stringify(previousKey)}`,
      options,
    );
    this.side = side;
    this.previousKey = previousKey;
    this.key = key;
  }
}

/** A `ListObjectsV2` answer that cannot be used: an object without key or size, a truncated page without token. */
export class ListingError extends MigrationError {
  override name = "ListingError" as const;
}
