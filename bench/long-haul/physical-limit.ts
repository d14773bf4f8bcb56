/**
 * The link's physical limit for a dataset (issue 15): what a copier with unlimited connections
 * would take. Every object travels at once, each on its own connections (opened in advance, so
 * no handshake counts), so the time is the destination listing's round trip plus the slowest
 * object's critical path:
 *
 * - a single PUT: 1 round trip + size / per-connection rate;
 * - a multipart upload: Create + the slowest part + Complete = 3 round trips + one part at the
 *   rate, the part being as small as S3 allows (5 MiB, or the whole object if smaller);
 *
 * whichever is shorter. With a total cap, never less than all bytes at the total rate.
 */

/** S3's smallest part (every part but the last). */
export const MIN_PART_BYTES = 5 * 1024 * 1024;

/** The link's parameters. */
export interface LinkShape {
  readonly rttMs: number;
  /** Bytes per second per connection and direction. */
  readonly perConnectionBytesPerSec: number;
  /** Bytes per second of the whole link per direction. @default none */
  readonly totalBytesPerSec?: number | undefined;
}

/** Seconds one object takes at best on an otherwise idle link with unlimited connections. */
export function objectLimitSeconds(size: number, link: LinkShape): number {
  const rtt = link.rttMs / 1000;
  const single = rtt + size / link.perConnectionBytesPerSec;
  const multipart = 3 * rtt + Math.min(size, MIN_PART_BYTES) / link.perConnectionBytesPerSec;
  return Math.min(single, multipart);
}

/** Seconds the whole dataset takes at best (see the file's comment). */
export function physicalLimitSeconds(sizes: readonly number[], link: LinkShape): number {
  const listing = link.rttMs / 1000;
  const slowest = Math.max(0, ...sizes.map((s) => objectLimitSeconds(s, link)));
  const total = sizes.reduce((n, s) => n + s, 0);
  const byTotal = link.totalBytesPerSec === undefined ? 0 : total / link.totalBytesPerSec;
  return Math.max(listing + slowest, byTotal);
}
