import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { destroyClients } from "@s3-migration/common";
import { copyObject, LeaseLostError, type TransferDeps } from "@s3-migration/worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytes, type EngineFixture, engineFixture, get, MIB, put } from "./support/engine.js";
import { gate, interceptSend, passGate, type SendOutcome } from "./support/gates.js";
import { LedgerRecord } from "./support/ledger.js";

describe("copyObject on the local stack", () => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await engineFixture("engine");
  });
  afterAll(async () => {
    await f.cleanup();
    destroyClients(f.clients);
  });

  const job: EngineFixture["job"] = (...args) => f.job(...args);

  it("starts over when the source is overwritten mid-copy, never mixing versions", async () => {
    // Prepare
    const key = "overwritten/object.bin";
    const size = 30 * MIB;
    const first = bytes(size);
    const second = bytes(size);
    await put(f.clients.sourceS3, f.srcBucket, key, first);
    const base = f.deps({ maxThread: 2 });
    let overwritten = false;
    // Act: the source is overwritten just before the second part is read.
    const source = {
      send: (async (command: unknown, options?: unknown) => {
        const range = command instanceof GetObjectCommand ? command.input.Range : undefined;
        if (range !== undefined && !range.startsWith("bytes=0-") && !overwritten) {
          overwritten = true;
          await put(f.clients.sourceS3, f.srcBucket, key, second);
        }
        return (base.source.send as (c: unknown, o?: unknown) => Promise<unknown>)(
          command,
          options,
        );
      }) as TransferDeps["source"]["send"],
    };
    const result = await copyObject(job(key, size), { ...base, source });
    // Assess
    const copied = await get(f.clients.destinationS3, f.dstBucket, key);
    expect(result.restarts).toBeGreaterThanOrEqual(1);
    expect(copied.equals(second)).toBe(true);
  });

  it("does not reuse a leftover upload cut with another part size, and aborts it", async () => {
    // Prepare: a newer-than-source upload of the same key with 6 MiB parts.
    const key = "leftover/other-layout.bin";
    const size = 14 * MIB;
    const body = bytes(size);
    await put(f.clients.sourceS3, f.srcBucket, key, body);
    const dst = f.clients.destinationS3;
    const { UploadId } = await dst.send(
      new CreateMultipartUploadCommand({ Bucket: f.dstBucket, Key: key }),
    );
    for (const partNumber of [1, 2]) {
      const part = body.subarray((partNumber - 1) * 6 * MIB, partNumber * 6 * MIB);
      await dst.send(
        new UploadPartCommand({
          Bucket: f.dstBucket,
          Key: key,
          UploadId,
          PartNumber: partNumber,
          Body: part,
        }),
      );
    }
    // Act
    const result = await copyObject(job(key, size), f.deps());
    // Assess
    expect(result).toMatchObject({ partsReused: 0, partsUploaded: 3 });
    expect((await get(dst, f.dstBucket, key)).equals(body)).toBe(true);
    const left = await dst.send(
      new ListMultipartUploadsCommand({ Bucket: f.dstBucket, Prefix: key }),
    );
    expect(left.Uploads ?? []).toEqual([]);
  });

  it("lets two copies of the same object run at once: the one that took the object over completes, the stale one stops before Complete", async () => {
    // Prepare: copy A claims the object and binds its upload; copy B then takes the object over
    // (A's lease is lost, as when A froze past it) and resumes the bound upload. A's parts wait
    // until B sends one of its own, so both write parts into the one upload at once; B's
    // Complete waits until A has stopped.
    const key = "duplicate/delivery.bin";
    const size = 21 * MIB;
    const body = bytes(size);
    await put(f.clients.sourceS3, f.srcBucket, key, body);
    const aBound = gate();
    const bUploading = gate();
    const aStopped = gate();
    const record = new LedgerRecord(() => aBound.open());
    const aSent: { command: object; outcome: SendOutcome }[] = [];
    const a = f.deps({ maxThread: 2 });
    const destinationA = interceptSend(a.destination, {
      before: async (command) => {
        if (command instanceof UploadPartCommand) await passGate(bUploading, "B sends a part");
      },
      after: (command, outcome) => aSent.push({ command, outcome }),
    });
    const b = f.deps({ maxThread: 2 });
    const destinationB = interceptSend(b.destination, {
      before: async (command) => {
        if (command instanceof UploadPartCommand) bUploading.open();
        if (command instanceof CompleteMultipartUploadCommand) await passGate(aStopped, "A stops");
      },
    });
    const aLedger = record.claim();
    // Act
    const aRun = copyObject(
      job(key, size),
      { ...a, destination: destinationA },
      { ledger: aLedger },
    )
      .catch((err: unknown) => err)
      .finally(() => aStopped.open());
    await passGate(aBound, "A binds its upload");
    const bLedger = record.claim();
    const resultB = await copyObject(
      job(key, size),
      { ...b, destination: destinationB },
      { ledger: bLedger },
    );
    const resultA = await aRun;
    // Assess: A wrote all its parts into the upload B resumed, then stopped at its lease check
    // without completing or aborting; B completed that upload into the one correct object.
    expect(resultA).toBe(aLedger.lost[0]);
    expect(resultA).toBeInstanceOf(LeaseLostError);
    const aParts = aSent.filter((s) => s.command instanceof UploadPartCommand);
    expect(aParts.map((s) => s.outcome.ok)).toEqual([true, true, true, true, true]);
    const aCommands = aSent.map((s) => s.command);
    expect(aCommands.some((c) => c instanceof CompleteMultipartUploadCommand)).toBe(false);
    expect(aCommands.some((c) => c instanceof AbortMultipartUploadCommand)).toBe(false);
    expect(record.bindings).toHaveLength(1);
    expect(resultB).toMatchObject({
      uploadId: record.bindings[0]?.uploadId,
      parts: 5,
      partsReused: 0,
      partsUploaded: 5,
    });
    expect(bLedger.confirms).toBe(1);
    expect((await get(f.clients.destinationS3, f.dstBucket, key)).equals(body)).toBe(true);
    const left = await f.clients.destinationS3.send(
      new ListMultipartUploadsCommand({ Bucket: f.dstBucket, Prefix: key }),
    );
    expect(left.Uploads ?? []).toEqual([]);
  });
});
