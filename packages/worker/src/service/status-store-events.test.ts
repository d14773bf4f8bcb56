import { sequencerOrder } from "@s3-migration/common";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { JOB, LEASE_MS, RESULT, storeOnFakeTable, T0 } from "../testing/status-store-fixtures.js";

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

const event = (sequencer: string) => ({ ...JOB, sequencer: sequencerOrder(sequencer) });

describe("StatusStore (S3 events out of order)", () => {
  it("records the sequencer of the event whose copy is done", async () => {
    // Prepare
    const { db, store } = storeOnFakeTable();
    await store.start(event("0A1B"), "attempt-1", LEASE_MS);
    // Act
    await store.done(event("0A1B"), "attempt-1", RESULT);
    // Assess
    expect(db.plain("src/a/b")).toMatchObject({
      status: "done",
      sequencer: sequencerOrder("0A1B"),
    });
  });

  it("answers older-event, writing nothing, for an event no newer than the one copied", async () => {
    // Prepare: the write of sequencer 0A1B was copied.
    const { db, store } = storeOnFakeTable();
    await store.start(event("0A1B"), "attempt-1", LEASE_MS);
    await store.done(event("0A1B"), "attempt-1", RESULT);
    const before = structuredClone(db.items.get("src/a/b"));
    // Act: the earlier write's event arrives late, and the same event twice.
    const older = await store.start(event("0A1A"), "attempt-2", LEASE_MS);
    const again = await store.start(event("0A1B"), "attempt-3", LEASE_MS, true);
    // Assess
    expect(older).toEqual({ kind: "older-event", sequencer: sequencerOrder("0A1B") });
    expect(again.kind).toBe("older-event");
    expect(db.items.get("src/a/b")).toEqual(before);
  });

  it("lets a newer event claim the object, even a longer sequencer S3 orders later", async () => {
    // Prepare
    const { store } = storeOnFakeTable();
    await store.start(event("0A1B"), "attempt-1", LEASE_MS);
    await store.done(event("0A1B"), "attempt-1", RESULT);
    // Act: "0A1B00" pads to the same order as "0A1B"; "0A1B01" is later.
    const same = await store.start(event("0A1B00"), "attempt-2", LEASE_MS, true);
    const newer = await store.start(event("0A1B01"), "attempt-3", LEASE_MS, true);
    // Assess
    expect(same.kind).toBe("older-event");
    expect(newer.kind).toBe("started");
  });

  it("claims as before for jobs without a sequencer (the jobsender's)", async () => {
    const { store } = storeOnFakeTable();
    await store.start(event("0A1B"), "attempt-1", LEASE_MS);
    await store.done(event("0A1B"), "attempt-1", RESULT);
    expect((await store.start(JOB, "attempt-2", LEASE_MS, true)).kind).toBe("started");
  });
});
