import { createHash } from "node:crypto";
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

/** How an object or upload is encrypted: SSE-KMS ones get ETags that are not MD5s. */
type Sse = "NONE" | "aws:kms";

interface StoredObject {
  body: Buffer;
  etag: string;
  /** Sizes of the parts the object was uploaded with (multipart objects only). */
  partSizes?: number[];
  lastModified: Date;
  sse?: Sse;
}

interface Upload {
  key: string;
  initiated: Date;
  sse: Sse;
  parts: Map<number, { body: Buffer; etag: string }>;
}

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

const md5hex = (b: Buffer) => createHash("md5").update(b).digest("hex");

/** The ETag S3 gives a body: its MD5, or (SSE-KMS) 32 hex digits that are not its MD5. */
function etagOf(body: Buffer, sse: Sse): string {
  return sse === "aws:kms"
    ? createHash("md5").update("sse-kms:").update(body).digest("hex")
    : md5hex(body);
}

/** `md5(concat(part etags))-N`, as S3 names a completed multipart upload. */
function compositeOf(partEtags: readonly string[]): string {
  const hash = createHash("md5");
  for (const etag of partEtags) hash.update(Buffer.from(etag, "hex"));
  return `${hash.digest("hex")}-${partEtags.length}`;
}

const aMinuteAgo = () => new Date(Date.now() - 60_000);

function s3Error(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

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
  readonly uploads = new Map<string, Upload>();
  readonly commands: string[] = [];
  readonly #maxPageSize: number;
  readonly #defaultSse: Sse;
  #nextUpload = 1;

  constructor(options: FakeS3Options = {}) {
    this.#maxPageSize = options.maxPageSize ?? 1000;
    this.#defaultSse = options.defaultSse ?? "NONE";
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
    const id = `upload-${this.#nextUpload++}`;
    this.uploads.set(id, { key, initiated, sse: this.#defaultSse, parts: new Map() });
    return id;
  }

  readonly send = (async (command: unknown) => {
    this.commands.push((command as object).constructor.name);
    return this.#handle(command);
  }) as unknown as S3Send["send"];

  #handle(command: unknown): unknown {
    if (command instanceof HeadObjectCommand) return this.#headObject(command.input);
    if (command instanceof GetObjectCommand) return this.#getObject(command.input);
    if (command instanceof PutObjectCommand) return this.#putObjectCommand(command.input);
    if (command instanceof CreateMultipartUploadCommand) return this.#createUpload(command.input);
    if (command instanceof UploadPartCommand) return this.#uploadPart(command.input);
    if (command instanceof ListPartsCommand) return this.#listParts(command.input);
    if (command instanceof ListMultipartUploadsCommand) return this.#listUploads(command.input);
    if (command instanceof CompleteMultipartUploadCommand) return this.#complete(command.input);
    if (command instanceof DeleteObjectCommand) return this.#deleteObject(command.input);
    if (command instanceof AbortMultipartUploadCommand) return this.#abortUpload(command.input);
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
    this.#checkMd5(body, input.ContentMD5);
    const sse = this.#sseOf(input.ServerSideEncryption);
    const etag = etagOf(body, sse);
    // Written "a minute ago", as putObject() does, so an upload started now counts as newer.
    this.objects.set(input.Key ?? "", { body, etag, lastModified: aMinuteAgo(), sse });
    return { ETag: `"${etag}"` };
  }

  #createUpload(input: CreateMultipartUploadCommand["input"]): unknown {
    const id = this.startUpload(input.Key ?? "", new Date());
    const upload = this.#upload(id);
    upload.sse = this.#sseOf(input.ServerSideEncryption);
    return { UploadId: id };
  }

  #uploadPart(input: UploadPartCommand["input"]): unknown {
    const upload = this.#upload(input.UploadId);
    const body = Buffer.from(input.Body as Buffer);
    this.#checkMd5(body, input.ContentMD5);
    const etag = etagOf(body, upload.sse);
    upload.parts.set(input.PartNumber ?? 0, { body, etag });
    return { ETag: `"${etag}"` };
  }

  /** Parts after `PartNumberMarker`, at most `MaxParts` (capped at the page size) per page. */
  #listParts(input: ListPartsCommand["input"]): unknown {
    const upload = this.#upload(input.UploadId);
    const after = Number(input.PartNumberMarker ?? 0);
    const max = Math.min(input.MaxParts ?? this.#maxPageSize, this.#maxPageSize);
    const all = [...upload.parts.entries()].sort((a, b) => a[0] - b[0]).filter(([n]) => n > after);
    const page = all.slice(0, max);
    return {
      Parts: page.map(([n, p]) => ({ PartNumber: n, Size: p.body.length, ETag: `"${p.etag}"` })),
      MaxParts: max,
      IsTruncated: all.length > max,
      NextPartNumberMarker: page.at(-1)?.[0],
    };
  }

  /**
   * Uploads under `Prefix` ordered as S3 orders them (by key, then by initiation time), from
   * just after (`KeyMarker`, `UploadIdMarker`) (or, with `KeyMarker` alone, from the first key
   * after it), at most `MaxUploads` (capped at the page size) per page.
   */
  #listUploads(input: ListMultipartUploadsCommand["input"]): unknown {
    const max = Math.min(input.MaxUploads ?? this.#maxPageSize, this.#maxPageSize);
    const all = [...this.uploads.entries()]
      .filter(([, u]) => u.key.startsWith(input.Prefix ?? ""))
      .sort(([, a], [, b]) =>
        a.key === b.key ? a.initiated.getTime() - b.initiated.getTime() : a.key < b.key ? -1 : 1,
      );
    const { KeyMarker: keyMarker, UploadIdMarker: idMarker } = input;
    const markerAt = all.findIndex(([id, u]) => u.key === keyMarker && id === idMarker);
    const rest = all.filter(([, u], i) => {
      if (keyMarker === undefined) return true;
      if (u.key !== keyMarker) return u.key > keyMarker;
      return markerAt >= 0 && i > markerAt;
    });
    const page = rest.slice(0, max);
    const truncated = rest.length > max;
    const last = page.at(-1);
    return {
      Uploads: page.map(([id, u]) => ({ Key: u.key, UploadId: id, Initiated: u.initiated })),
      MaxUploads: max,
      IsTruncated: truncated,
      NextKeyMarker: truncated ? last?.[1].key : undefined,
      NextUploadIdMarker: truncated ? last?.[0] : undefined,
    };
  }

  /** Completes with the listed parts, which must exist with the ETags given (else InvalidPart). */
  #complete(input: CompleteMultipartUploadCommand["input"]): unknown {
    const upload = this.#upload(input.UploadId);
    const wanted = input.MultipartUpload?.Parts ?? [];
    const parts = wanted.map((w) => {
      const part = upload.parts.get(w.PartNumber ?? 0);
      if (part === undefined || w.ETag?.replace(/"/g, "") !== part.etag) {
        throw s3Error("InvalidPart", 400);
      }
      return part;
    });
    const etag = compositeOf(parts.map((p) => p.etag));
    this.objects.set(upload.key, {
      body: Buffer.concat(parts.map((p) => p.body)),
      etag,
      partSizes: parts.map((p) => p.body.length),
      lastModified: new Date(),
      sse: upload.sse,
    });
    this.uploads.delete(input.UploadId ?? "");
    return { ETag: `"${etag}"` };
  }

  #deleteObject(input: DeleteObjectCommand["input"]): unknown {
    this.objects.delete(input.Key ?? "");
    return {};
  }

  #abortUpload(input: AbortMultipartUploadCommand["input"]): unknown {
    this.#upload(input.UploadId);
    this.uploads.delete(input.UploadId ?? "");
    return {};
  }

  #object(key: string | undefined): StoredObject {
    const o = this.objects.get(key ?? "");
    if (o === undefined) throw s3Error("NoSuchKey", 404);
    return o;
  }

  #upload(id: string | undefined): Upload {
    const u = this.uploads.get(id ?? "");
    if (u === undefined) throw s3Error("NoSuchUpload", 404);
    return u;
  }

  #sseOf(requested: string | undefined): Sse {
    if (requested === "aws:kms") return "aws:kms";
    return requested === undefined ? this.#defaultSse : "NONE";
  }

  #checkMd5(body: Buffer, contentMd5: string | undefined): void {
    if (
      contentMd5 !== undefined &&
      createHash("md5").update(body).digest("base64") !== contentMd5
    ) {
      throw s3Error("BadDigest", 400);
    }
  }
}
