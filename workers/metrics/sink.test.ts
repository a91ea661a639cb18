/**
 * The metrics writer through its public entry point (`writeMetricBatches`) against a real libSQL endpoint: the agent
 * models it keeps per transaction and the rollups must come out the same whatever the order and however often a
 * batch is delivered, in writes of any size, mixed with case rows written another way.
 */
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { MetricsDatabase } from "../../db/client.ts";
import { tallyFromCases, tallyFromRollups } from "../../db/kpi/index.ts";
import { pickScenario, seededRandom, syntheticCase } from "../../db/kpi/synthetic.ts";
import { cases } from "../../db/schema.ts";
import { useMigratedDatabase } from "../../test/support/libsql-server.ts";
import { type CaseSnapshot, dayOf, type MetricBatch, writeMetricBatches } from "./index.ts";

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

  it("keeps the rollups exact under redelivery, reordering and reports older than the stored row", async () => {
    const random = seededRandom(21);
    const histories = Array.from({ length: 60 }, (_, i) =>
      syntheticCase({
        workflowId: "disputes",
        version: 1 + (i % 3),
        caseKey: `d-${i}`,
        openedAt: START + Math.floor(random() * 5) * 86_400_000 + i * 1000,
        scenario: pickScenario(random),
        measures: { minutesPerCase: 15, minutesPerDecision: 5 },
        random,
      }),
    );
    const all = histories.flatMap((h) => h.batches);
    // Every batch once or twice, shuffled, in writes of 1 to 9 batches: a case's reports arrive in any order, some
    // in the same write as a newer one of the same case, some after it.
    const deliveries = [...all, ...all.filter(() => random() < 0.4)].sort(() => random() - 0.5);
    for (let i = 0; i < deliveries.length; ) {
      const size = 1 + Math.floor(random() * 9);
      await writeMetricBatches(db, deliveries.slice(i, i + size));
      i += size;
    }
    await expectRollupsToMatch(histories.map((h) => h.final));
  });

  it("a case row written outside the writer moves the rollups too, and the writer's later reports replace it exactly", async () => {
    const [history] = Array.from({ length: 1 }, () =>
      syntheticCase({
        workflowId: "imports",
        version: 1,
        caseKey: "by-hand",
        openedAt: START + 86_400_000,
        scenario: "autonomous",
        measures: { minutesPerCase: 15 },
        random: seededRandom(3),
      }),
    );
    const [first, ...rest] = history!.batches;
    // Written by hand (as a migration or a test does): the insert trigger counts it.
    await db.insert(cases).values({ ...first!.snapshot });
    await expectRollupsToMatch([first!.snapshot]);
    // Then the writer's newer reports: the hand-written row's contribution is taken back.
    await writeMetricBatches(db, rest);
    await expectRollupsToMatch([history!.final]);
    // And a hand-written update after the writer moves the rollups again.
    await db.update(cases).set({ status: "failed", closedAt: null }).where(sql`case_id = ${history!.final.caseId}`);
    await expectRollupsToMatch([{ ...history!.final, status: "failed", closedAt: null }]);
  });
});

async function expectRollupsToMatch(finals: CaseSnapshot[]) {
  const workflowId = finals[0]!.workflowId;
  const range = { fromDay: dayOf(START), toDay: dayOf(START) + 30, workflowId };
  for (const by of [["version", "day"], ["workflow"]] as const) {
    const recount = tallyFromCases(finals, range, [...by]);
    const rollups = await tallyFromRollups(db, range, [...by]);
    expect(sorted(rollups)).toEqual(sorted(recount));
  }
}

const sorted = (groups: Parameters<typeof plain>[0][]) =>
  groups
    .map(plain)
    .sort((a, b) => JSON.stringify([a.version, a.day]).localeCompare(JSON.stringify([b.version, b.day])));

const plain = (g: {
  version?: number;
  day?: number;
  tally: { ttr: Map<number, number>; exceptions: Map<string, unknown> };
}) => ({
  ...g,
  tally: {
    ...g.tally,
    ttr: [...g.tally.ttr].sort(([a], [b]) => a - b),
    exceptions: [...g.tally.exceptions].sort(([a], [b]) => a.localeCompare(b)),
  },
});
