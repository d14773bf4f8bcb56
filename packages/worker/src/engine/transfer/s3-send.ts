import type { S3Client } from "@aws-sdk/client-s3";

/** The narrow S3 surface the engine needs: one client per side, injected. */
export type S3Send = Pick<S3Client, "send">;
