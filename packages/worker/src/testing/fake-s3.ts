import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import type { S3Send } from "../engine/transfer/s3-send.js";
import {
  checkContentMd5,
  compositeOf,
  etagOf,
  md5hex,
  type Sse,
  type StoredObject,
  s3Error,
  sseOf,
} from "./fake-s3-model.js";
import { type FakeUpload, FakeUploads } from "./fake-uploads.js";

/** Settings of a {@link FakeS3}. */
export interface FakeS3Options {
  /**
   * Most uploads (ListMultipartUploads) and parts (ListParts) in one answer, whatever the
   * request's MaxUploads / MaxParts; lower it to make the engine page. @default 1000 (S3's cap)
   */
  readonly maxPageSize?: number;
  /**
   * The bucket's default encryption: with `"aws:kms"` every object and part is SSE-KMS and its
   * ETag is not its MD5, as on S3. A request's own `ServerSideEncryption` wins. @default "NONE"
   */
  readonly defaultSse?: Sse;
}

const aMinuteAgo = () => new Date(Date.now() - 60_000);

/**
 * An in-memory S3 bucket speaking the commands the engine uses, like AWS does: HeadObject with
 * PartNumber (PartsCount and the part's length), ranged GET with If-Match, Content-MD5 checks,
 * ListMultipartUploads and ListParts paging (key and upload-id markers, part-number marker),
 * SSE-KMS ETags that are not MD5s. Unit tests use it where the local RGW differs from AWS (it
 * ignores PartNumber; it has no KMS). Every command is recorded.
 */
export class FakeS3 {
  readonly objects = new Map<string, StoredObject>();
  /** Unfinished uploads by id, in the order they were started. */
  readonly uploads: Map<string, FakeUpload>;
  readonly commands: string[] = [];
  readonly #defaultSse: Sse;
  readonly #multipart: FakeUploads;

  constructor(options: FakeS3Options = {}) {
    this.#defaultSse = options.defaultSse ?? "NONE";
    this.#multipart = new FakeUploads(this.objects, options.maxPageSize ?? 1000, this.#defaultSse);
    this.uploads = this.#multipart.uploads;
  }

  /**
   * Stores an object as if uploaded in parts (of `parts` bytes each, or of the listed sizes),
   * with a multipart ETag; or, without `parts`, in one PUT.
   */
  putObject(key: string, body: Buffer, parts?: number | number[]): void {
    const lastModified = aMinuteAgo();
    if (parts === undefined) {
      this.objects.set(key, { body, etag: md5hex(body), lastModified });
      return;
    }
    const sizes: number[] = [];
    if (typeof parts === "number") {
      for (let at = 0; at < body.length; at += parts) sizes.push(Math.min(parts, body.length - at));
    } else {
      sizes.push(...parts);
    }
    const digests: string[] = [];
    let start = 0;
    for (const size of sizes) {
      digests.push(md5hex(body.subarray(start, start + size)));
      start += size;
    }
    this.objects.set(key, { body, etag: compositeOf(digests), partSizes: sizes, lastModified });
  }

  /** Starts an upload of `key` at `initiated` (as an earlier, interrupted copy leaves one). */
  startUpload(key: string, initiated: Date): string {
    return this.#multipart.start(key, initiated);
  }

  readonly send = (async (command: unknown) => {
    this.commands.push((command as object).constructor.name);
    return this.#handle(command);
  }) as unknown as S3Send["send"];

  #handle(command: unknown): unknown {
    if (command instanceof HeadObjectCommand) return this.#headObject(command.input);
    if (command instanceof GetObjectCommand) return this.#getObject(command.input);
    if (command instanceof PutObjectCommand) return this.#putObjectCommand(command.input);
    const multipart = this.#multipart;
    if (command instanceof CreateMultipartUploadCommand) return multipart.create(command.input);
    if (command instanceof UploadPartCommand) return multipart.uploadPart(command.input);
    if (command instanceof ListPartsCommand) return multipart.listParts(command.input);
    if (command instanceof ListMultipartUploadsCommand) return multipart.listUploads(command.input);
    if (command instanceof CompleteMultipartUploadCommand) return multipart.complete(command.input);
    if (command instanceof DeleteObjectCommand) return this.#deleteObject(command.input);
    if (command instanceof AbortMultipartUploadCommand) return multipart.abort(command.input);
    throw new Error(`FakeS3 does not handle ${(command as object).constructor.name}`);
  }

  #headObject(input: HeadObjectCommand["input"]): unknown {
    const o = this.#object(input.Key);
    const sse = o.sse === "aws:kms" ? { ServerSideEncryption: o.sse } : {};
    const pn = input.PartNumber;
    if (pn !== undefined && o.partSizes !== undefined) {
      return {
        ETag: `"${o.etag}"`,
        ContentLength: o.partSizes[pn - 1],
        PartsCount: o.partSizes.length,
        LastModified: o.lastModified,
        ...sse,
      };
    }
    return {
      ETag: `"${o.etag}"`,
      ContentLength: o.body.length,
      LastModified: o.lastModified,
      Metadata: {},
      ...sse,
    };
  }

  #getObject(input: GetObjectCommand["input"]): unknown {
    const o = this.#object(input.Key);
    if (input.IfMatch !== undefined && input.IfMatch !== `"${o.etag}"`) {
      throw s3Error("PreconditionFailed", 412);
    }
    const m = /^bytes=(\d+)-(\d+)$/.exec(input.Range ?? "");
    const body = m ? o.body.subarray(Number(m[1]), Number(m[2]) + 1) : o.body;
    return {
      ETag: `"${o.etag}"`,
      ContentLength: body.length,
      LastModified: o.lastModified,
      ...(o.sse === "aws:kms" ? { ServerSideEncryption: o.sse } : {}),
      Body: { transformToByteArray: async () => new Uint8Array(body) },
    };
  }

  #putObjectCommand(input: PutObjectCommand["input"]): unknown {
    const body = Buffer.from(input.Body as Buffer);
    checkContentMd5(body, input.ContentMD5);
    const sse = sseOf(input.ServerSideEncryption, this.#defaultSse);
    const etag = etagOf(body, sse);
    // Written "a minute ago", as putObject() does, so an upload started now counts as newer.
    this.objects.set(input.Key ?? "", { body, etag, lastModified: aMinuteAgo(), sse });
    return { ETag: `"${etag}"` };
  }

  #deleteObject(input: DeleteObjectCommand["input"]): unknown {
    this.objects.delete(input.Key ?? "");
    return {};
  }

  #object(key: string | undefined): StoredObject {
    const o = this.objects.get(key ?? "");
    if (o === undefined) throw s3Error("NoSuchKey", 404);
    return o;
  }
}
