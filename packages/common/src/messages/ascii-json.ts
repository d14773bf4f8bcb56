/**
 * JSON with every non-ASCII character written as a `\uXXXX` escape (as the original tool's Python
 * `json.dumps` did): SQS refuses some characters S3 keys may hold, and fauxqs refuses every
 * astral-plane character (emoji); escaped, any key travels and `JSON.parse` restores it exactly.
 */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
