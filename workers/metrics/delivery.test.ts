import { describe, expect, it } from "vitest";
import { seededRandom, syntheticCase } from "../../db/kpi/synthetic.ts";
import { parseMetricBatch } from "./message.ts";
import { splitForQueue } from "./delivery.ts";

const size = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).byteLength;

function bigBatch() {
  const { batches, final } = syntheticCase({ workflowId: "wf", version: 1, caseKey: "k", openedAt: Date.UTC(2026, 10, 1), scenario: "asked", measures: { minutesPerCase: 10 }, random: seededRandom(3), extraSteps: 40 });
  const events = batches.flatMap((b) => b.events).map((e, i) => ({ ...e, detail: { ...e.detail, note: "x".repeat(i === 3 ? 200_000 : 2_000) } }));
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
    const { final } = syntheticCase({ workflowId: "wf", version: 1, caseKey: "old", openedAt: Date.UTC(2026, 10, 1), scenario: "waiting", measures: { minutesPerCase: 10 }, random: seededRandom(5) });
    const { awaitingPerson: _, ...older } = final;
    expect(final.awaitingPerson).toBe(false); // the synthetic case waits on the customer
    const parsed = (snapshot: object) => {
      const result = parseMetricBatch({ events: [], snapshot });
      if (!("batch" in result)) throw new Error(result.reason);
      return result.batch.snapshot.awaitingPerson;
    };
    expect([parsed(older), parsed({ ...older, status: "escalated" }), parsed({ ...older, status: "resolved", closedAt: older.updatedAt, outcome: "done" }), parsed(final)]).toEqual([true, true, false, false]);
  });
});
