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

interface StoredObject {
  body: Buffer;
  etag: string;
  /** Sizes of the parts the object was uploaded with (multipart objects only). */
  partSizes?: number[];
  lastModified: Date;
}

interface Upload {
  key: string;
  initiated: Date;
  parts: Map<number, { body: Buffer; etag: string }>;
}

const md5hex = (b: Buffer) => createHash("md5").update(b).digest("hex");

function s3Error(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

/**
 * An in-memory S3 bucket speaking the commands the engine uses, like AWS does: HeadObject with
 * PartNumber (PartsCount and the part's length), ranged GET with If-Match, Content-MD5 checks,
 * ListParts paging. Unit tests use it where the local RGW differs from AWS (it ignores
 * PartNumber). Every command is recorded.
 */
export class FakeS3 {
  readonly objects = new Map<string, StoredObject>();
  readonly uploads = new Map<string, Upload>();
  readonly commands: string[] = [];
  #nextUpload = 1;

  /**
   * Stores an object as if uploaded in parts (of `parts` bytes each, or of the listed sizes),
   * with a multipart ETag; or, without `parts`, in one PUT.
   */
  putObject(key: string, body: Buffer, parts?: number | number[]): void {
    const lastModified = new Date(Date.now() - 60_000);
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
    const digests: Buffer[] = [];
    let start = 0;
    for (const size of sizes) {
      digests.push(
        createHash("md5")
          .update(body.subarray(start, start + size))
          .digest(),
      );
      start += size;
    }
    const etag = `${createHash("md5").update(Buffer.concat(digests)).digest("hex")}-${sizes.length}`;
    this.objects.set(key, {
      body,
      etag,
      partSizes: sizes,
      lastModified: new Date(Date.now() - 60_000),
    });
  }

  readonly send = (async (command: unknown) => {
    this.commands.push((command as object).constructor.name);
    return this.#handle(command);
  }) as unknown as S3Send["send"];

  #object(key: string | undefined): StoredObject {
    const o = this.objects.get(key ?? "");
    if (o === undefined) throw s3Error("NoSuchKey", 404);
    return o;
  }

  #handle(command: unknown): unknown {
    if (command instanceof HeadObjectCommand) {
      const o = this.#object(command.input.Key);
      const pn = command.input.PartNumber;
      if (pn !== undefined && o.partSizes !== undefined) {
        return {
          ETag: `"${o.etag}"`,
          ContentLength: o.partSizes[pn - 1],
          PartsCount: o.partSizes.length,
          LastModified: o.lastModified,
        };
      }
      return {
        ETag: `"${o.etag}"`,
        ContentLength: o.body.length,
        LastModified: o.lastModified,
        Metadata: {},
      };
    }
    if (command instanceof GetObjectCommand) {
      const o = this.#object(command.input.Key);
      if (command.input.IfMatch !== undefined && command.input.IfMatch !== `"${o.etag}"`) {
        throw s3Error("PreconditionFailed", 412);
      }
      const m = /^bytes=(\d+)-(\d+)$/.exec(command.input.Range ?? "");
      const body = m ? o.body.subarray(Number(m[1]), Number(m[2]) + 1) : o.body;
      return {
        ETag: `"${o.etag}"`,
        ContentLength: body.length,
        LastModified: o.lastModified,
        Body: { transformToByteArray: async () => new Uint8Array(body) },
      };
    }
    if (command instanceof PutObjectCommand) {
      const body = Buffer.from(command.input.Body as Buffer);
      this.#checkMd5(body, command.input.ContentMD5);
      this.putObject(command.input.Key ?? "", body);
      return { ETag: `"${md5hex(body)}"` };
    }
    if (command instanceof CreateMultipartUploadCommand) {
      const id = `upload-${this.#nextUpload++}`;
      this.uploads.set(id, {
        key: command.input.Key ?? "",
        initiated: new Date(),
        parts: new Map(),
      });
      return { UploadId: id };
    }
    if (command instanceof UploadPartCommand) {
      const upload = this.#upload(command.input.UploadId);
      const body = Buffer.from(command.input.Body as Buffer);
      this.#checkMd5(body, command.input.ContentMD5);
      upload.parts.set(command.input.PartNumber ?? 0, { body, etag: md5hex(body) });
      return { ETag: `"${md5hex(body)}"` };
    }
    if (command instanceof ListPartsCommand) {
      const upload = this.#upload(command.input.UploadId);
      const after = Number(command.input.PartNumberMarker ?? 0);
      const max = command.input.MaxParts ?? 1000;
      const all = [...upload.parts.entries()]
        .sort((a, b) => a[0] - b[0])
        .filter(([n]) => n > after);
      const page = all.slice(0, max);
      return {
        Parts: page.map(([n, p]) => ({ PartNumber: n, Size: p.body.length, ETag: `"${p.etag}"` })),
        IsTruncated: all.length > max,
        NextPartNumberMarker: page.at(-1)?.[0],
      };
    }
    if (command instanceof ListMultipartUploadsCommand) {
      const uploads = [...this.uploads.entries()].filter(([, u]) =>
        u.key.startsWith(command.input.Prefix ?? ""),
      );
      return {
        Uploads: uploads.map(([id, u]) => ({ Key: u.key, UploadId: id, Initiated: u.initiated })),
        IsTruncated: false,
      };
    }
    if (command instanceof CompleteMultipartUploadCommand) {
      const upload = this.#upload(command.input.UploadId);
      const wanted = command.input.MultipartUpload?.Parts ?? [];
      const parts = wanted.map((w) => upload.parts.get(w.PartNumber ?? 0));
      if (parts.some((p) => p === undefined)) throw s3Error("InvalidPart", 400);
      const bodies = parts.map((p) => p?.body ?? Buffer.alloc(0));
      const body = Buffer.concat(bodies);
      const digests = Buffer.concat(bodies.map((b) => createHash("md5").update(b).digest()));
      const etag = `${createHash("md5").update(digests).digest("hex")}-${bodies.length}`;
      this.objects.set(upload.key, {
        body,
        etag,
        partSizes: bodies.map((b) => b.length),
        lastModified: new Date(),
      });
      this.uploads.delete(command.input.UploadId ?? "");
      return { ETag: `"${etag}"` };
    }
    if (command instanceof DeleteObjectCommand) {
      this.objects.delete(command.input.Key ?? "");
      return {};
    }
    if (command instanceof AbortMultipartUploadCommand) {
      this.#upload(command.input.UploadId);
      this.uploads.delete(command.input.UploadId ?? "");
      return {};
    }
    throw new Error(`FakeS3 does not handle ${(command as object).constructor.name}`);
  }

  #upload(id: string | undefined): Upload {
    const u = this.uploads.get(id ?? "");
    if (u === undefined) throw s3Error("NoSuchUpload", 404);
    return u;
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
