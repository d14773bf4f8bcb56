/** How one object of a message ended, for the message's settle rules. */
export type JobOutcome =
  /** Copied, or found already copied. */
  | { readonly kind: "done" }
  /** Failed for good (recorded). */
  | { readonly kind: "object-failed" }
  /** Failed retryably (recorded). */
  | { readonly kind: "retry" }
  /** Stopped by shutdown; the upload stays for resume. */
  | { readonly kind: "released" }
  /** Another attempt holds a live lease on the object: come back after `delaySec`. */
  | { readonly kind: "busy"; readonly delaySec: number }
  /** Another attempt took the object over during the copy: it owns the object (and maybe the message) now. */
  | { readonly kind: "lease-lost" };

/** What to do with a message once its objects have ended. */
export type Settlement =
  | { readonly kind: "delete" }
  | { readonly kind: "visibility"; readonly seconds: number }
  /** Neither delete nor change it: another attempt may hold it (it comes back after its timeout). */
  | { readonly kind: "leave" };

/**
 * The settle rules, first match wins: a lost lease leaves the message alone (another attempt
 * took the object over, perhaps through this very message redelivered, so this receipt is not
 * to be used); a shutdown releases it at once; a retryable failure or a busy object makes it come
 * back after the longest of their delays (`retryDelaySec` for a failure); otherwise (every object
 * copied or failed for good) it is deleted.
 */
export function settlement(outcomes: readonly JobOutcome[], retryDelaySec: number): Settlement {
  const kinds = new Set(outcomes.map((o) => o.kind));
  if (kinds.has("lease-lost")) return { kind: "leave" };
  if (kinds.has("released")) return { kind: "visibility", seconds: 0 };
  const delays = outcomes.map((o) =>
    o.kind === "busy" ? o.delaySec : o.kind === "retry" ? retryDelaySec : 0,
  );
  const seconds = Math.max(0, ...delays);
  if (kinds.has("busy") || kinds.has("retry")) return { kind: "visibility", seconds };
  return { kind: "delete" };
}
