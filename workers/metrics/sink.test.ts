/**
 * The metrics writer's own bookkeeping through its public entry point (`writeMetricBatches`) against a real libSQL
 * endpoint: what it keeps per transaction instead of per row must come out the same whatever the order and however
 * often a batch is delivered.
 */
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { MetricsDatabase } from "../../db/client.ts";
import { seededRandom, syntheticCase } from "../../db/kpi/synthetic.ts";
import { useMigratedDatabase } from "../../test/support/libsql-server.ts";
import { type MetricBatch, writeMetricBatches } from "./index.ts";

const database = useMigratedDatabase("sink");
let db: MetricsDatabase;
beforeAll(() => {
  db = database().db;
});

const START = Date.UTC(2026, 9, 1);

/** A case's batches with its agent steps naming the model that decided (`detail.model`, as the agent step reports). */
function agentCase(i: number, model: (step: number) => string): MetricBatch[] {
  const { batches } = syntheticCase({
    workflowId: "refunds",
    version: 1 + (i % 2),
    caseKey: `agent-${i}`,
    openedAt: START + i * 60_000,
    scenario: "autonomous",
    measures: { minutesPerCase: 20 },
    random: seededRandom(i),
    extraSteps: 3,
  });
  let step = 0;
  return batches.map((b) => ({
    ...b,
    events: b.events.map((e) => (e.kind === "step.completed" ? { ...e, detail: { model: model(step++) } } : e)),
  }));
}

describe("writeMetricBatches", () => {
  it("keeps each workflow version's latest sighting of each model, whatever the order and repeats", async () => {
    const all = Array.from({ length: 12 }, (_, i) => agentCase(i, (s) => (s % 3 === 0 ? "gpt-x" : "offline-rules")))
      .flat()
      .filter((b) => b.events.length > 0);
    const random = seededRandom(5);
    const deliveries = [...all, ...all.filter(() => random() < 0.5)].sort(() => random() - 0.5);
    for (let i = 0; i < deliveries.length; i += 4) await writeMetricBatches(db, deliveries.slice(i, i + 4));

    const expected = new Map<string, number>();
    for (const e of all.flatMap((b) => b.events))
      if (e.kind === "step.completed") {
        const key = `${e.workflowId}|${e.workflowVersion}|${String(e.detail!.model)}`;
        expected.set(key, Math.max(expected.get(key) ?? 0, e.at));
      }
    const rows = await db.all<{ workflow_id: string; workflow_version: number; model: string; last_seen_at: number }>(
      sql`SELECT workflow_id, workflow_version, model, last_seen_at FROM agent_models`,
    );
    expect(new Map(rows.map((r) => [`${r.workflow_id}|${r.workflow_version}|${r.model}`, r.last_seen_at]))).toEqual(
      expected,
    );
    expect(expected.size).toBe(4);
  });
});
