import { describe, expect, it } from "vitest";
import { seededRandom, syntheticCase } from "../../db/kpi/synthetic.ts";
import { batchingDelivery, splitForQueue } from "./delivery.ts";
import type { MetricBatch } from "./facts.ts";
import { parseMetricBatch } from "./message.ts";
import { MetricsGapError } from "./numbering.ts";

const size = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).byteLength;

function bigBatch() {
  const { batches, final } = syntheticCase({
    workflowId: "wf",
    version: 1,
    caseKey: "k",
    openedAt: Date.UTC(2026, 10, 1),
    scenario: "asked",
    measures: { minutesPerCase: 10 },
    random: seededRandom(3),
    extraSteps: 40,
  });
  const events = batches
    .flatMap((b) => b.events)
    .map((e, i) => ({ ...e, detail: { ...e.detail, note: "x".repeat(i === 3 ? 200_000 : 2_000) } }));
  return { events, snapshot: final };
}

describe("metric batches on the queue", () => {
  it("splits a batch over the queue's message limit into valid messages that keep every event and the summary row", () => {
    const batch = bigBatch();
    expect(size(batch)).toBeGreaterThan(128 * 1024);
    const parts = splitForQueue(batch);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(size(part)).toBeLessThanOrEqual(100 * 1024);
      expect(part.snapshot).toEqual(batch.snapshot);
      expect("batch" in parseMetricBatch(part)).toBe(true);
    }
    expect(parts.flatMap((p) => p.events.map((e) => e.id))).toEqual(batch.events.map((e) => e.id));
    // The one event too large alone keeps its counted fields, its detail marked as truncated.
    const huge = parts.flatMap((p) => p.events).find((e) => e.id === batch.events[3]!.id)!;
    expect(huge).toMatchObject({ kind: batch.events[3]!.kind, at: batch.events[3]!.at, detail: { truncated: true } });
  });

  it("sends a batch under the limit as it is", () => {
    const { events, snapshot } = bigBatch();
    const small = { events: events.slice(0, 2).map((e) => ({ ...e, detail: {} })), snapshot };
    expect(splitForQueue(small)).toEqual([small]);
  });
});

describe("metric batches from case objects deployed before a field existed", () => {
  it("marks a parked case as waiting on a person when its report does not say, so the inbox checks it; a closed one not", () => {
    const { final } = syntheticCase({
      workflowId: "wf",
      version: 1,
      caseKey: "old",
      openedAt: Date.UTC(2026, 10, 1),
      scenario: "waiting",
      measures: { minutesPerCase: 10 },
      random: seededRandom(5),
    });
    const { awaitingPerson: _, ...older } = final;
    expect(final.awaitingPerson).toBe(false); // the synthetic case waits on the customer
    const parsed = (snapshot: object) => {
      const result = parseMetricBatch({ events: [], snapshot });
      if (!("batch" in result)) throw new Error(result.reason);
      return result.batch.snapshot.awaitingPerson;
    };
    expect([
      parsed(older),
      parsed({ ...older, status: "escalated" }),
      parsed({ ...older, status: "resolved", closedAt: older.updatedAt, outcome: "done" }),
      parsed(final),
    ]).toEqual([true, true, false, false]);
  });
});

describe("one writer for many cases (Deno)", () => {
  const batchOf = (caseKey: string): MetricBatch => {
    const { batches, final } = syntheticCase({
      workflowId: "wf",
      version: 1,
      caseKey,
      openedAt: Date.UTC(2026, 10, 1),
      scenario: "asked",
      measures: { minutesPerCase: 10 },
      random: seededRandom(5),
    });
    return { events: batches.flatMap((b) => b.events), snapshot: final };
  };

  it("commits the batches of cases that flush together in one write, and resolves each only after it", async () => {
    const writes: string[][] = [];
    const delivery = batchingDelivery(async (batches) => void writes.push(batches.map((b) => b.snapshot.caseKey)));
    await Promise.all(Array.from({ length: 250 }, (_, i) => delivery.deliver(batchOf(`k${i}`))));
    expect(writes.map((w) => w.length)).toEqual([200, 50]);
    expect(writes.flat()).toHaveLength(250);
  });

  it("fails only the batch the database refuses, not the others written with it", async () => {
    const delivery = batchingDelivery(async (batches) => {
      if (batches.some((b) => b.snapshot.caseKey === "bad")) throw new Error("refused");
    });
    const results = await Promise.allSettled(["a", "bad", "c"].map((k) => delivery.deliver(batchOf(k))));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
  });

  it("fails only the batches the writer holds for an earlier batch of their case, without writing the rest again", async () => {
    const writes: string[][] = [];
    const delivery = batchingDelivery(async (batches) => {
      writes.push(batches.map((b) => b.snapshot.caseKey));
      const held = batches.flatMap((b, i) => (b.snapshot.caseKey === "late" ? [i] : []));
      if (held.length > 0) throw new MetricsGapError(held, ["x/late"]);
    });
    const results = await Promise.allSettled(["a", "late", "c"].map((k) => delivery.deliver(batchOf(k))));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(MetricsGapError);
    expect(writes).toEqual([["a", "late", "c"]]);
  });

  it("refuses the rest of a group at once when the database is down, instead of a timeout per batch", async () => {
    let calls = 0;
    const delivery = batchingDelivery(async () => {
      calls++;
      throw new Error("unreachable");
    });
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => delivery.deliver(batchOf(`k${i}`))));
    expect(results.every((r) => r.status === "rejected")).toBe(true);
    // The group, then two batches alone: an outage, not a bad batch.
    expect(calls).toBe(3);
  });
});
