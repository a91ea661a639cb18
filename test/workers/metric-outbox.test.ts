/**
 * The Durable Object's metric outbox numbering (SQLite storage, inside workerd): each metric event is numbered 1, 2,
 * 3… in the transaction that queues it, handed out in that order, a rolled-back transaction takes its numbers back,
 * an id queued before (sent or not) adds nothing; an outbox stored before numbering is upgraded in place, its pending
 * events handed out first and unnumbered (the writer keys those by id).
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { MetricEvent } from "../../workers/metrics/index.ts";
import { SqliteCaseStore } from "../../workers/platform/cloudflare/sqlite-case-store.ts";

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

describe("metric outbox numbering (Durable Object SQLite)", () => {
  it("numbers in the order queued, takes back a failed transaction's numbers, and never queues an id twice", async () => {
    const seen = await runInDurableObject(env.CASES.getByName("metric-outbox/numbering"), async (_instance, state) => {
      const store = new SqliteCaseStore(state.storage);
      await store.atomically(() => {
        store.queueMetric(event("a", 30));
        store.queueMetric(event("b", 10));
        store.queueMetric(event("a", 30));
      });
      await store
        .atomically(() => {
          store.queueMetric(event("lost"));
          throw new Error("transition failed");
        })
        .catch(() => undefined);
      await store.atomically(() => store.queueMetric(event("c", 20)));
      const first = numbers(store.pendingMetrics(2));
      await store.atomically(() => store.markMetricsSent(["a", "b"]));
      await store.atomically(() => {
        store.queueMetric(event("a"));
        store.queueMetric(event("d"));
      });
      // A new store over the same storage (the object restarted) goes on from the stored numbers.
      const restarted = new SqliteCaseStore(state.storage);
      await restarted.atomically(() => restarted.queueMetric(event("e")));
      return { first, after: numbers(restarted.pendingMetrics(10)), count: restarted.pendingMetricCount() };
    });
    expect(seen.first).toEqual([
      ["a", 1],
      ["b", 2],
    ]);
    expect(seen.after).toEqual([
      ["c", 3],
      ["d", 4],
      ["e", 5],
    ]);
    expect(seen.count).toBe(3);
  });

  it("upgrades an outbox stored before numbering: its pending events first, unnumbered, then numbered ones", async () => {
    const seen = await runInDurableObject(env.CASES.getByName("metric-outbox/old-case"), async (_instance, state) => {
      // The outbox as releases before numbering created it, one event pending.
      state.storage.sql.exec("DROP TABLE IF EXISTS metric_outbox");
      state.storage.sql.exec(
        "CREATE TABLE metric_outbox (id TEXT PRIMARY KEY, body TEXT NOT NULL, created_at INTEGER NOT NULL)",
      );
      state.storage.sql.exec(
        "INSERT INTO metric_outbox VALUES (?, ?, ?)",
        "old",
        JSON.stringify(event("old", 500)),
        500,
      );
      const store = new SqliteCaseStore(state.storage);
      await store.atomically(() => store.queueMetric(event("new", 1)));
      return numbers(store.pendingMetrics(10));
    });
    expect(seen).toEqual([
      ["old", undefined],
      ["new", 1],
    ]);
  });
});
