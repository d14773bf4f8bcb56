import { Readable } from "node:stream";
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";

/** The test credentials (AWS's SigV4 documentation example). */
export const CREDENTIALS = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};

/** A request as the client's HTTP handler receives it. */
export interface Sent {
  readonly method: string;
  readonly protocol: string;
  readonly hostname: string;
  readonly port?: number | undefined;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

/** What the fake HTTP handler answers (200, an MD5 ETag and the body "a" unless told). */
export interface Answer {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

/**
 * A real SDK S3 client (so both the SDK and the lean path run for real) whose HTTP handler
 * records every request and answers with `answer`: no network.
 */
export function recordingClient(
  answer: (request: Sent, signal?: AbortSignal) => Answer | Promise<Answer> = () => ({}),
  config: Partial<S3ClientConfig> = {},
): { client: S3Client; sent: Sent[] } {
  const sent: Sent[] = [];
  const requestHandler = {
    handle: async (request: Sent, options?: { abortSignal?: AbortSignal }) => {
      sent.push(request);
      const a = await answer(request, options?.abortSignal);
      const body = Buffer.from(a.body ?? "a");
      return {
        response: {
          statusCode: a.status ?? 200,
          headers: {
            etag: '"0cc175b9c0f1b6a831c399e269772661"',
            "content-length": String(body.length),
            ...a.headers,
          },
          body: Readable.from([body]),
        },
      };
    },
  };
  const client = new S3Client({
    region: "us-east-1",
    credentials: CREDENTIALS,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: requestHandler as unknown as S3ClientConfig["requestHandler"],
    ...config,
  });
  return { client, sent };
}
