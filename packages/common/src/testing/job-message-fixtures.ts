/** The events' destination of the tests: bucket "dst-bucket", prefix "from-events". */
export const EVENT_DESTINATION = {
  desBucketDefault: "dst-bucket",
  desPrefixDefault: "from-events",
};
/** Keys that break naive encoding: non-ASCII, '+', '%', spaces, control characters, 1,024 bytes. */
export const HOSTILE_KEYS = [
  "plain.txt",
  "中文/文件 名.bin",
  "emoji/😀🚀.dat",
  "spaces in key .txt",
  "a+b+c.txt",
  "100%/%2B%20literal.txt",
  "trailing/slash/",
  "tab\tand\nnewline",
  `${"k".repeat(1001)}/${"é".repeat(11)}`, // exactly 1,024 bytes, the S3 maximum
];
/** [label, key]: long keys get a short label so test names stay readable. */
export const KEY_CASES = HOSTILE_KEYS.map((k) => [
  k.length > 40 ? `${k.slice(0, 8)}… (${Buffer.byteLength(k)} bytes)` : JSON.stringify(k),
  k,
]);

/** An S3 event notification of objects in "src-bucket" (keys as S3 writes them: encoded). */
export function s3Event(records: { key: string; size?: number; eventName?: string }[]): string {
  return JSON.stringify({
    Records: records.map((r) => ({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      eventName: r.eventName ?? "ObjectCreated:Put",
      s3: {
        bucket: { name: "src-bucket" },
        object: { key: r.key, size: r.size ?? 10, eTag: "0123abcd", sequencer: "00" },
      },
    })),
  });
}
