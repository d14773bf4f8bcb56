import type {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import {
  checkContentMd5,
  compositeOf,
  etagOf,
  type Sse,
  type StoredObject,
  s3Error,
  sseOf,
} from "./fake-s3-model.js";

/** An unfinished multipart upload held by a {@link FakeS3}. */
export interface FakeUpload {
  key: string;
  initiated: Date;
  sse: Sse;
  parts: Map<number, { body: Buffer; etag: string }>;
}

/**
 * The multipart-upload half of {@link FakeS3}: its unfinished uploads and the commands on them,
 * paging as AWS does. A completed upload becomes an object of the bucket's `objects`.
 */
export class FakeUploads {
  /** Unfinished uploads by id, in the order they were started. */
  readonly uploads = new Map<string, FakeUpload>();
  readonly #objects: Map<string, StoredObject>;
  readonly #maxPageSize: number;
  readonly #defaultSse: Sse;
  #nextUpload = 1;

  constructor(objects: Map<string, StoredObject>, maxPageSize: number, defaultSse: Sse) {
    this.#objects = objects;
    this.#maxPageSize = maxPageSize;
    this.#defaultSse = defaultSse;
  }

  /** Starts an upload of `key` at `initiated` (as an earlier, interrupted copy leaves one). */
  start(key: string, initiated: Date): string {
    const id = `upload-${this.#nextUpload++}`;
    this.uploads.set(id, { key, initiated, sse: this.#defaultSse, parts: new Map() });
    return id;
  }

  create(input: CreateMultipartUploadCommand["input"]): unknown {
    const id = this.start(input.Key ?? "", new Date());
    const upload = this.#upload(id);
    upload.sse = sseOf(input.ServerSideEncryption, this.#defaultSse);
    return { UploadId: id };
  }

  uploadPart(input: UploadPartCommand["input"]): unknown {
    const upload = this.#upload(input.UploadId);
    const body = Buffer.from(input.Body as Buffer);
    checkContentMd5(body, input.ContentMD5);
    const etag = etagOf(body, upload.sse);
    upload.parts.set(input.PartNumber ?? 0, { body, etag });
    return { ETag: `"${etag}"` };
  }

  /** Parts after `PartNumberMarker`, at most `MaxParts` (capped at the page size) per page. */
  listParts(input: ListPartsCommand["input"]): unknown {
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
  listUploads(input: ListMultipartUploadsCommand["input"]): unknown {
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
  complete(input: CompleteMultipartUploadCommand["input"]): unknown {
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
    this.#objects.set(upload.key, {
      body: Buffer.concat(parts.map((p) => p.body)),
      etag,
      partSizes: parts.map((p) => p.body.length),
      lastModified: new Date(),
      sse: upload.sse,
    });
    this.uploads.delete(input.UploadId ?? "");
    return { ETag: `"${etag}"` };
  }

  abort(input: AbortMultipartUploadCommand["input"]): unknown {
    this.#upload(input.UploadId);
    this.uploads.delete(input.UploadId ?? "");
    return {};
  }

  #upload(id: string | undefined): FakeUpload {
    const u = this.uploads.get(id ?? "");
    if (u === undefined) throw s3Error("NoSuchUpload", 404);
    return u;
  }
}
