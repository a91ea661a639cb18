/**
 * The metric outbox numbering of the memory store (the model Deno KV persists record by record): each metric event is
 * numbered 1, 2, 3… in the transaction that queues it, handed out in that order, a rolled-back transaction takes its
 * numbers back, an id queued before (sent or not) adds nothing, and a store reloaded from its records goes on where
 * it stopped. Outboxes stored before numbering keep their pending events unnumbered, handed out first.
 */
import { describe, expect, it } from "vitest";
import type { MetricEvent } from "../metrics/index.ts";
import { MemoryCaseStore, type RecordChange } from "./memory-store.ts";

/** A store whose records live in a map, as Deno KV holds them, so it can be reloaded. */
function persistedStore(records = new Map<string, RecordChange>()) {
  const store = new MemoryCaseStore(async (changes) => {
    for (const c of changes) {
      if (c.json === null) records.delete(JSON.stringify(c.key));
      else records.set(JSON.stringify(c.key), c);
    }
  });
  store.load([...records.values()].map((r) => ({ key: r.key, json: r.json! })));
  return { store, records };
}

const event = (id: string, at = 1): MetricEvent => ({
  id,
  caseId: "wf/k",
  caseKey: "k",
  workflowId: "wf",
  workflowVersion: 1,
  kind: "step.completed",
  stepId: id,
  at,
  humanTouch: false,
});
const numbers = (events: MetricEvent[]) => events.map((e) => [e.id, e.seq]);

describe("metric outbox numbering (memory store)", () => {
  it("numbers events in the order queued, whatever their times, and hands them out in that order", async () => {
    const { store } = persistedStore();
    await store.atomically(() => {
      store.queueMetric(event("a", 30));
      store.queueMetric(event("b", 10));
    });
    await store.atomically(() => store.queueMetric(event("c", 20)));
    expect(numbers(store.pendingMetrics(10))).toEqual([
      ["a", 1],
      ["b", 2],
      ["c", 3],
    ]);
    expect(numbers(store.pendingMetrics(2))).toEqual([
      ["a", 1],
      ["b", 2],
    ]);
  });

  it("takes back the numbers of a transaction that failed, so the next ones leave no gap", async () => {
    const { store } = persistedStore();
    await store.atomically(() => store.queueMetric(event("a")));
    await expect(
      store.atomically(() => {
        store.queueMetric(event("lost-1"));
        store.queueMetric(event("lost-2"));
        throw new Error("transition failed");
      }),
    ).rejects.toThrow("transition failed");
    await store.atomically(() => store.queueMetric(event("b")));
    expect(numbers(store.pendingMetrics(10))).toEqual([
      ["a", 1],
      ["b", 2],
    ]);
  });

  it("adds nothing for an id queued before, sent or not, and goes on numbering after a reload", async () => {
    const { store, records } = persistedStore();
    await store.atomically(() => {
      store.queueMetric(event("a"));
      store.queueMetric(event("b"));
      store.queueMetric(event("a"));
    });
    await store.atomically(() => store.markMetricsSent(["a"]));
    await store.atomically(() => store.queueMetric(event("a")));
    expect(numbers(store.pendingMetrics(10))).toEqual([["b", 2]]);
    expect(store.pendingMetricCount()).toBe(1);

    const reloaded = persistedStore(records).store;
    await reloaded.atomically(() => {
      reloaded.queueMetric(event("a"));
      reloaded.queueMetric(event("c"));
    });
    expect(numbers(reloaded.pendingMetrics(10))).toEqual([
      ["b", 2],
      ["c", 3],
    ]);
    await reloaded.atomically(() => reloaded.markMetricsSent(["b", "c"]));
    const again = persistedStore(records).store;
    await again.atomically(() => again.queueMetric(event("d")));
    expect(numbers(again.pendingMetrics(10))).toEqual([["d", 4]]);
  });

  it("hands out events queued before numbering first, unnumbered, then the numbered ones", async () => {
    // The records of an outbox written before numbering: events without `seq`.
    const records = new Map<string, RecordChange>([
      ['["metric","old-2"]', { key: ["metric", "old-2"], json: JSON.stringify(event("old-2", 5)) }],
      ['["metric","old-1"]', { key: ["metric", "old-1"], json: JSON.stringify(event("old-1", 4)) }],
    ]);
    const { store } = persistedStore(records);
    await store.atomically(() => store.queueMetric(event("new", 1)));
    expect(numbers(store.pendingMetrics(10))).toEqual([
      ["old-1", undefined],
      ["old-2", undefined],
      ["new", 1],
    ]);
  });
});
