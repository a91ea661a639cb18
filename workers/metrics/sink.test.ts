/**
 * The metrics writer through its public entry point (`writeMetricBatches`) against a real libSQL endpoint: the agent
 * models it keeps per transaction, the rollups and the raw events must come out the same whatever the order and
 * however often a batch (or part of one) is delivered, in writes of any size, mixed with case rows written another
 * way; a batch whose case's earlier events have not arrived is held, then applied once they have.
 */
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { MetricsDatabase } from "../../db/client.ts";
import { tallyFromCases, tallyFromRollups } from "../../db/kpi/index.ts";
import { pickScenario, seededRandom, syntheticCase } from "../../db/kpi/synthetic.ts";
import { cases } from "../../db/schema.ts";
import { useMigratedDatabase } from "../../test/support/libsql-server.ts";
import { type CaseSnapshot, dayOf, type MetricBatch, MetricsGapError, writeMetricBatches } from "./index.ts";

const database = useMigratedDatabase("sink");
let db: MetricsDatabase;
beforeAll(() => {
  db = database().db;
});

const START = Date.UTC(2026, 9, 1);

/**
 * Writes the deliveries in writes of `size()` batches, as the queue consumer does: the batches a write holds back
 * (their case's earlier events not stored yet) go to the back of the queue and come again.
 */
async function deliverLikeTheQueue(deliveries: readonly MetricBatch[], size: () => number): Promise<number> {
  let queue = [...deliveries];
  let held = 0;
  for (let writes = 0; queue.length > 0; writes++) {
    if (writes > 50 * deliveries.length) throw new Error("the writer stopped making progress");
    const take = queue.slice(0, size());
    queue = queue.slice(take.length);
    try {
      await writeMetricBatches(db, take);
    } catch (error) {
      if (!(error instanceof MetricsGapError)) throw error;
      held += error.held.length;
      queue.push(...error.held.map((i) => take[i]!));
    }
  }
  return held;
}

/** Each case's stored events as `seq:id` (or `-:id` unnumbered), in order: what a recount compares. */
async function storedEvents(caseIds: readonly string[]): Promise<Map<string, string[]>> {
  const rows = await db.all<{ case_id: string; seq: number | null; id: string }>(
    sql`SELECT case_id, seq, id FROM metric_events WHERE case_id IN (SELECT value FROM json_each(${JSON.stringify(caseIds)})) ORDER BY case_id, seq, id`,
  );
  const stored = new Map<string, string[]>(caseIds.map((c) => [c, []]));
  for (const r of rows) stored.get(r.case_id)!.push(`${r.seq ?? "-"}:${r.id}`);
  return stored;
}

const expectedEvents = (batches: readonly MetricBatch[]) => {
  const expected = new Map<string, string[]>();
  for (const e of batches.flatMap((b) => b.events)) {
    const list = expected.get(e.caseId) ?? [];
    expected.set(e.caseId, list);
    const row = `${e.seq ?? "-"}:${e.id}`;
    if (!list.includes(row)) list.push(row);
  }
  for (const list of expected.values())
    list.sort((a, b) => Number(a.split(":")[0]) - Number(b.split(":")[0]) || a.localeCompare(b));
  return expected;
};

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
    await deliverLikeTheQueue(deliveries, () => 4);

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
    // Some batches also arrive in part (a prefix, a middle, a tail of their events), as a split or cut-short
    // redelivery would bring them.
    const parts = all.flatMap((b) => {
      if (b.events.length < 2 || random() > 0.3) return [];
      const from = Math.floor(random() * b.events.length);
      const to = from + 1 + Math.floor(random() * (b.events.length - from));
      return [{ ...b, events: b.events.slice(from, to) }];
    });
    const deliveries = [...all, ...all.filter(() => random() < 0.4), ...parts].sort(() => random() - 0.5);
    const held = await deliverLikeTheQueue(deliveries, () => 1 + Math.floor(random() * 9));
    expect(held).toBeGreaterThan(0);
    await expectRollupsToMatch(histories.map((h) => h.final));
    const caseIds = histories.map((h) => h.final.caseId);
    expect(await storedEvents(caseIds)).toEqual(expectedEvents(all));
    const marks = await db.all<{ case_id: string; seq: number }>(
      sql`SELECT case_id, seq FROM metric_sequences WHERE case_id IN (SELECT value FROM json_each(${JSON.stringify(caseIds)}))`,
    );
    expect(new Map(marks.map((m) => [m.case_id, m.seq]))).toEqual(
      new Map(histories.map((h) => [h.final.caseId, h.batches.flatMap((b) => b.events).length])),
    );
  });

  it("holds a batch whose case's earlier events have not arrived, and applies it once they have", async () => {
    const { batches, final } = syntheticCase({
      workflowId: "gaps",
      version: 1,
      caseKey: "late-first",
      openedAt: START,
      scenario: "escalated-resolved",
      measures: { minutesPerCase: 15 },
      random: seededRandom(8),
      extraSteps: 4,
    });
    const withEvents = batches.filter((b) => b.events.length > 0);
    expect(withEvents.length).toBeGreaterThanOrEqual(3);
    const [first, second, ...rest] = withEvents as [MetricBatch, MetricBatch, ...MetricBatch[]];
    // The second batch first: nothing of its events is stored, the case row is (it is the case's state, not a count).
    const gap = await writeMetricBatches(db, [second]).catch((e: unknown) => e);
    expect(gap).toBeInstanceOf(MetricsGapError);
    expect((gap as MetricsGapError).held).toEqual([0]);
    expect((gap as MetricsGapError).cases).toEqual([final.caseId]);
    expect((await storedEvents([final.caseId])).get(final.caseId)).toEqual([]);
    expect(await db.all(sql`SELECT revision FROM cases WHERE case_id = ${final.caseId}`)).toEqual([
      { revision: second.snapshot.revision },
    ]);
    // The first arrives: stored; the second again: stored after it, in order. A repeat of either changes nothing.
    await writeMetricBatches(db, [first]);
    await writeMetricBatches(db, [second, first]);
    expect((await storedEvents([final.caseId])).get(final.caseId)).toEqual(
      expectedEvents([first, second]).get(final.caseId),
    );
    // The rest in reverse order in one write: the writer orders a case's events itself.
    await writeMetricBatches(db, [...rest].reverse());
    expect(await storedEvents([final.caseId])).toEqual(expectedEvents(withEvents));
  });

  it("keeps events without numbers (older case objects) once by their id, beside numbered ones", async () => {
    const random = seededRandom(31);
    const histories = Array.from({ length: 20 }, (_, i) =>
      syntheticCase({
        workflowId: "legacy",
        version: 1,
        caseKey: `l-${i}`,
        openedAt: START + i * 1000,
        scenario: pickScenario(random),
        measures: { minutesPerCase: 15 },
        random,
        numbered: i % 2 === 0,
      }),
    );
    const all = histories.flatMap((h) => h.batches);
    const deliveries = [...all, ...all.filter(() => random() < 0.5)].sort(() => random() - 0.5);
    await deliverLikeTheQueue(deliveries, () => 1 + Math.floor(random() * 5));
    await expectRollupsToMatch(histories.map((h) => h.final));
    expect(await storedEvents(histories.map((h) => h.final.caseId))).toEqual(expectedEvents(all));
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
    // Then the writer's reports (the first again, its events numbered from 1, then the newer ones): the hand-written
    // row's contribution is taken back.
    await writeMetricBatches(db, [first!, ...rest]);
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
