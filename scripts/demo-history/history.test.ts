/**
 * The demo history on a real libSQL endpoint: 30 days of cases run by the real workflows, written through the live
 * metrics writer, agreeing with the dashboard's overview and with a recount from each case's own trail, and removed
 * again to the last row without touching a live case.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { overview } from "../../dashboard/src/lib/server/kpis.ts";
import { type CaseRow, kpisOf, tallyFromCases, tallyFromRollups } from "../../db/kpi/index.ts";
import { seededRandom, syntheticCase } from "../../db/kpi/synthetic.ts";
import { useMigratedDatabase } from "../../test/support/libsql-server.ts";
import { writeMetricBatches } from "../../workers/metrics/index.ts";
import { verifyKpis } from "../kpi-verify.ts";
import { generateHistory, type History } from "./generate.ts";
import { quietly } from "./quietly.ts";
import { clearHistory, databaseIsEmpty, storeHistory } from "./store.ts";

const DAY = 86_400_000;
/** A fixed end, so the test sees the same history every run (a Wednesday afternoon). */
const END = Date.UTC(2026, 10, 18, 15, 0);
const endDay = Math.floor(END / DAY);
const period = { fromDay: endDay - 29, toDay: endDay, days: 30 };
const database = useMigratedDatabase("demo-history");

const caseRows = async (): Promise<CaseRow[]> =>
  (
    await database().db.all<Record<string, number | string | null>>(
      sql`SELECT workflow_id, workflow_version, status, opened_at, closed_at, human_touch, escalated, errored, exception,
          asks, judgments, human_decisions, human_minutes, minutes_saved, handed_to_person, sla_breaches FROM cases`,
    )
  ).map((r) => ({
    workflowId: String(r.workflow_id),
    workflowVersion: Number(r.workflow_version),
    status: r.status as CaseRow["status"],
    openedAt: Number(r.opened_at),
    closedAt: r.closed_at === null ? null : Number(r.closed_at),
    humanTouch: Boolean(r.human_touch),
    escalated: Boolean(r.escalated),
    errored: Boolean(r.errored),
    exception: r.exception === null ? null : String(r.exception),
    asks: Number(r.asks),
    judgments: Number(r.judgments),
    humanDecisions: Number(r.human_decisions),
    humanMinutes: Number(r.human_minutes),
    minutesSaved: Number(r.minutes_saved),
    handedToPerson: Boolean(r.handed_to_person),
    slaBreaches: Number(r.sla_breaches),
  }));

const count = async (query: ReturnType<typeof sql>): Promise<number> =>
  Number((await database().db.all<{ n: number | null }>(query))[0]?.n ?? 0);

describe("the demo history", () => {
  let history: History;

  it("is the same history from the same seed", async () => {
    const [a, b] = await quietly(() =>
      Promise.all([generateHistory({ seed: 7, end: END, days: 2 }), generateHistory({ seed: 7, end: END, days: 2 })]),
    );
    expect(a.cases.length).toBeGreaterThan(10);
    expect(b.cases.map((c) => [c.caseId, c.status, c.audit.map((e) => [e.at, e.action])])).toEqual(
      a.cases.map((c) => [c.caseId, c.status, c.audit.map((e) => [e.at, e.action])]),
    );
  }, 60_000);

  it("loads 30 days of ended cases across the workflows, with versions changing mid-month", async () => {
    const { db } = database();
    expect(await databaseIsEmpty(db)).toBe(true);
    history = await quietly(() => generateHistory({ seed: 18, end: END }));
    await storeHistory(db, history);
    expect(await databaseIsEmpty(db)).toBe(false);

    const days = await db.all<{ day: number; n: number }>(
      sql`SELECT opened_at / 86400000 AS day, count(*) AS n FROM cases GROUP BY day ORDER BY day`,
    );
    expect(days.map((d) => Number(d.day))).toEqual(Array.from({ length: 30 }, (_, i) => endDay - 29 + i));
    expect(await count(sql`SELECT count(*) AS n FROM cases`)).toBe(history.cases.length);
    expect(await count(sql`SELECT count(*) AS n FROM demo_history`)).toBe(history.cases.length);
    // Every history case ended: nothing of it waits in the inbox or runs on.
    expect(await count(sql`SELECT count(*) AS n FROM cases WHERE status NOT IN ('resolved', 'failed')`)).toBe(0);
    expect(await count(sql`SELECT count(*) AS n FROM cases WHERE awaiting_person = 1`)).toBe(0);
    const workflows = await db.all<{ workflow_id: string; workflow_version: number }>(
      sql`SELECT DISTINCT workflow_id, workflow_version FROM cases ORDER BY 1, 2`,
    );
    expect(workflows.map((w) => `${w.workflow_id}@v${w.workflow_version}`)).toEqual([
      "crm-deal-intake@v1",
      "customer-onboarding@v1",
      "customer-onboarding@v2",
      "customer-onboarding@v3",
      "github-issue-triage@v1",
      "payment-recovery@v1",
      "refund-dispute@v1",
      "refund-dispute@v2",
    ]);
    // Mostly autonomous, with people's decisions, escalations, missed SLAs and failures among them.
    const rows = await caseRows();
    const autonomous = rows.filter((r) => r.status === "resolved" && !r.humanTouch).length;
    expect(autonomous / rows.length).toBeGreaterThan(0.6);
    expect(rows.filter((r) => r.escalated).length).toBeGreaterThan(20);
    expect(rows.filter((r) => r.humanDecisions > 0).length).toBeGreaterThan(30);
    expect(rows.filter((r) => r.slaBreaches > 0).length).toBeGreaterThan(0);
    // A few outages: a step failed through its retries, a person retried it, the case went on.
    expect(rows.filter((r) => r.errored && r.status === "resolved").length).toBeGreaterThan(2);
    // Nothing only a live case may report: no anchored audit heads, no autonomy evidence.
    expect(await count(sql`SELECT count(*) AS n FROM audit_anchors`)).toBe(0);
    expect(await count(sql`SELECT count(*) AS n FROM action_outcomes`)).toBe(0);
  }, 180_000);

  it("gives the overview the figures db/kpi counts over the case rows, and kpi:verify's recount agrees", async () => {
    const { db } = database();
    const cards = await overview(db, period);
    const expected = tallyFromCases(await caseRows(), period, ["workflow"]);
    // The cards read no exception mix (the workflow page does): every other figure must be the recount's.
    const withoutMix = ({ exceptionMix: _mix, ...kpis }: ReturnType<typeof kpisOf>) => kpis;
    expect(cards.map((c) => [c.workflowId, withoutMix(c.kpis)])).toEqual(
      expected
        .sort((a, b) => a.workflowId!.localeCompare(b.workflowId!))
        .map((g) => [g.workflowId, withoutMix(kpisOf(g.tally))]),
    );
    // Every card's chart has a point on every day of the month.
    for (const card of cards) expect(card.series.opened.filter((n) => n > 0).length).toBeGreaterThanOrEqual(20);
    // No case object is asked: each history case is recounted from its kept trail.
    const report = await verifyKpis({ workerUrl: "http://127.0.0.1:9", apiToken: "unused", db });
    expect(report.mismatches).toEqual([]);
    expect(report.cases).toBe(history.cases.length);
    expect(report.historyCases).toBe(history.cases.length);
    // The month's business results, recounted from the trails and equal to the value rollups: onboardings bring
    // revenue, refunds return money.
    for (const workflow of ["customer-onboarding", "refund-dispute"])
      expect(
        report.value.some((t) => t.workflowId === workflow && t.succeeded > 0 && t.money.some((m) => m.minor > 0)),
        workflow,
      ).toBe(true);
    expect(report.unmeasured).toBe(0);
    // A case row reported before value measures existed (its measures null) is left out of the value recount and
    // counted, not a mismatch; measured again, it is back in.
    const [onboarded] = await db.all<{
      case_id: string;
      succeeded: number;
      dropped_out: number;
      value_minor: number;
      value_currency: string | null;
    }>(
      sql`SELECT case_id, succeeded, dropped_out, value_minor, value_currency FROM cases WHERE workflow_id = 'customer-onboarding' AND succeeded = 1 LIMIT 1`,
    );
    await db.run(
      sql`UPDATE cases SET succeeded = NULL, dropped_out = NULL, value_minor = NULL, value_currency = NULL WHERE case_id = ${onboarded!.case_id}`,
    );
    const before = await verifyKpis({ workerUrl: "http://127.0.0.1:9", apiToken: "unused", db });
    expect(before.mismatches).toEqual([]);
    expect(before.unmeasured).toBe(1);
    await db.run(
      sql`UPDATE cases SET succeeded = ${onboarded!.succeeded}, dropped_out = ${onboarded!.dropped_out}, value_minor = ${onboarded!.value_minor}, value_currency = ${onboarded!.value_currency} WHERE case_id = ${onboarded!.case_id}`,
    );
    expect(await verifyKpis({ workerUrl: "http://127.0.0.1:9", apiToken: "unused", db })).toMatchObject({
      mismatches: [],
      unmeasured: 0,
    });
  }, 60_000);

  it("is removed by one command, exactly, leaving a live case and its figures as they were", async () => {
    const { db } = database();
    const live = syntheticCase({
      workflowId: "refund-dispute",
      version: 2,
      caseKey: "customer:live@example.com",
      openedAt: END - 2 * DAY,
      scenario: "escalated-resolved",
      measures: { minutesPerCase: 25, minutesPerDecision: 8 },
      random: seededRandom(1),
    });
    await writeMetricBatches(db, live.batches);
    const liveRows = (await caseRows()).filter((r) => r.openedAt === live.final.openedAt);

    expect(await clearHistory(db)).toEqual({ cases: history.cases.length });
    expect(await count(sql`SELECT count(*) AS n FROM demo_history`)).toBe(0);
    expect(await count(sql`SELECT count(*) AS n FROM cases`)).toBe(1);
    expect(await count(sql`SELECT count(*) AS n FROM metric_events WHERE case_id <> ${live.final.caseId}`)).toBe(0);
    const range = { fromDay: 0, toDay: 1_000_000 };
    // The history's rollup rows stay, at zero: every figure they held is taken back.
    const remaining = await tallyFromRollups(db, range, ["workflow", "version", "day"]);
    expect(remaining.filter((g) => g.tally.opened > 0)).toEqual(
      tallyFromCases(liveRows, range, ["workflow", "version", "day"]),
    );
    expect(await count(sql`SELECT sum(opened) AS n FROM daily_rollups`)).toBe(1);
    expect(await count(sql`SELECT sum(cases) AS n FROM ttr_rollups`)).toBe(1);
    expect(await count(sql`SELECT sum(cases) AS n FROM ttr_weekly`)).toBe(1);
    expect(await count(sql`SELECT sum(cases) AS n FROM exception_rollups`)).toBe(1);
    expect(await clearHistory(db)).toEqual({ cases: 0 });
  });
});
