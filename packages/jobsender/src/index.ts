export type { CompareMode, DiffEntry, DiffKind, DiffOptions, DiffStats } from "./diff-listings.js";
export { createDiffStats, diffListings } from "./diff-listings.js";
export { compareEtags, etagShape, etagsComparable } from "./etag-compare.js";
export { compareKeys } from "./key-order.js";
export type {
  ListedObject,
  ListObjectsOptions,
  ListObjectsStreamOptions,
  S3Send,
  Scheduler,
} from "./list-bucket.js";
export { listingPrefix, listObjectPages, listObjects } from "./list-bucket.js";
export type { ListingSide } from "./listing-errors.js";
export { ListingError, ListingOrderError } from "./listing-errors.js";
export type { ParallelListOptions } from "./parallel-listing.js";
export { listObjectsParallel } from "./parallel-listing.js";
