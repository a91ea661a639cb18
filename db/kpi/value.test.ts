/**
 * Value measures: a case's facts from its audit trail (outcome, unanswered question, resolution detail), and the
 * value rollups (kept by migration 0023's triggers) equal to recounting the rows, on a real libSQL endpoint, through
 * inserts, a case's row moving on, and a deletion.
 */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { useMigratedDatabase } from "../../test/support/libsql-server.ts";
import { CATALOGUE } from "../../workers/workflows/catalogue.ts";
import type { MetricsDatabase } from "../client.ts";
import { type AuditedAction, caseFacts, type WorkflowMeasures } from "../facts.ts";
import { cases } from "../schema.ts";
import { valueFiguresOf, valueFromCases, valueFromRollups } from "./value.ts";

const measuresOf = (id: string, version: number): WorkflowMeasures =>
  CATALOGUE.find((w) => w.id === id && w.version === version)!;
const onboarding = measuresOf("customer-onboarding", 4);

const resolved = (outcome: string, result?: Record<string, unknown>): AuditedAction[] => [
  { action: "case.resolved", stepId: `resolve:${outcome}`, detail: { outcome, ...(result ? { result } : {}) } },
];

describe("value facts from the audit trail", () => {
  it("onboarding: a started subscription brings its plan's monthly price; an unanswered question makes a drop-out", () => {
    expect(
      caseFacts("resolved", resolved("onboarded", { plan: "fiber-1000", market: "DE" }), onboarding),
    ).toMatchObject({
      succeeded: true,
      droppedOut: false,
      valueMinor: 5_990,
      valueCurrency: "EUR",
    });
    const unanswered: AuditedAction[] = [
      { action: "wait.timed_out", stepId: "document-id", detail: { kind: "ask" } },
      { action: "case.escalated", stepId: "document-id-no-reply", detail: {} },
    ];
    expect(caseFacts("escalated", unanswered, onboarding)).toMatchObject({
      succeeded: false,
      droppedOut: true,
      valueMinor: 0,
    });
    // A person onboarded the customer after all: a conversion (no plan recorded, so no revenue), not a drop-out.
    const rescued = [...unanswered, { action: "human.decision", detail: {} }, ...resolved("onboarded-manually")];
    expect(caseFacts("resolved", rescued, onboarding)).toMatchObject({
      succeeded: true,
      droppedOut: false,
      valueMinor: 0,
      valueCurrency: null,
    });
    // A wait for another system timing out is not an unanswered question.
    const waitTimedOut = [{ action: "wait.timed_out", stepId: "service-activated", detail: { kind: "waitFor" } }];
    expect(caseFacts("escalated", waitTimedOut, onboarding).droppedOut).toBe(false);
  });

  it("refunds and recovery: the amount their resolution names, in its currency; a denial moves nothing", () => {
    const refunds = measuresOf("refund-dispute", 2);
    expect(
      caseFacts("resolved", resolved("refunded", { refundedMinor: 4_900, currency: "eur" }), refunds),
    ).toMatchObject({ succeeded: true, valueMinor: 4_900, valueCurrency: "EUR" });
    expect(caseFacts("resolved", resolved("denied", { decision: "deny" }), refunds)).toMatchObject({
      succeeded: false,
      droppedOut: false,
      valueMinor: 0,
    });
    const recovery = measuresOf("payment-recovery", 1);
    expect(caseFacts("resolved", resolved("recovered", { amountDue: 2_000, currency: "usd" }), recovery)).toMatchObject(
      { succeeded: true, valueMinor: 2_000, valueCurrency: "USD" },
    );
    expect(
      caseFacts("resolved", resolved("unrecovered", { amountDue: 2_000, currency: "usd" }), recovery),
    ).toMatchObject({ succeeded: false, valueMinor: 0, valueCurrency: null });
  });

  it("a workflow that declares no value measures reports none", () => {
    const facts = caseFacts("resolved", resolved("triaged", { labels: [] }), measuresOf("github-issue-triage", 1));
    expect("succeeded" in facts).toBe(false);
  });
});

const database = useMigratedDatabase("kpi-value");
let db: MetricsDatabase;
beforeAll(() => {
  db = database().db;
});

const DAY = 86_400_000;
const day = 20_100;

function row(n: number, over: Partial<typeof cases.$inferInsert>): typeof cases.$inferInsert {
  return {
    caseId: `customer-onboarding/k${n}`,
    caseKey: `k${n}`,
    workflowId: "customer-onboarding",
    workflowVersion: 4,
    status: "resolved",
    openedAt: day * DAY + n * 60_000,
    updatedAt: day * DAY + n * 60_000,
    closedAt: day * DAY + n * 60_000 + 30 * 60_000,
    outcome: "onboarded",
    humanTouch: false,
    exception: null,
    succeeded: true,
    droppedOut: false,
    valueMinor: 3_990,
    valueCurrency: "EUR",
    ...over,
  };
}

const range = { fromDay: day, toDay: day + 1 };
const normalise = (rows: (typeof cases.$inferInsert)[]) =>
  rows.map((r) => ({
    workflowId: r.workflowId,
    workflowVersion: r.workflowVersion,
    openedAt: r.openedAt,
    closedAt: r.closedAt ?? null,
    succeeded: r.succeeded ?? null,
    droppedOut: r.droppedOut ?? null,
    valueMinor: r.valueMinor ?? null,
    valueCurrency: r.valueCurrency ?? null,
  }));

describe("value rollups", () => {
  it("equal a recount of the case rows, per workflow and version, as rows change and go", async () => {
    const rows = [
      row(1, {}),
      row(2, { valueMinor: 5_990, closedAt: day * DAY + 2 * 60_000 + 90 * 60_000 }),
      row(3, {
        status: "escalated",
        closedAt: null,
        outcome: null,
        succeeded: false,
        droppedOut: true,
        valueMinor: 0,
        valueCurrency: null,
      }),
      row(4, { workflowVersion: 3 }),
      row(5, {
        workflowId: "refund-dispute",
        caseId: "refund-dispute/k5",
        outcome: "refunded",
        valueMinor: 4_900,
        valueCurrency: "USD",
      }),
      // A workflow that measures nothing, and a case of another period: not in these figures.
      row(6, {
        workflowId: "github-issue-triage",
        caseId: "github-issue-triage/k6",
        succeeded: null,
        droppedOut: null,
        valueMinor: null,
        valueCurrency: null,
      }),
      row(7, { openedAt: (day + 5) * DAY }),
    ];
    await db.insert(cases).values(rows);
    expect(await valueFromRollups(db, range)).toEqual(valueFromCases(normalise(rows), range));
    const [v4] = await valueFromRollups(db, { ...range, workflowId: "customer-onboarding", version: 4 });
    expect(valueFiguresOf(v4!)).toEqual({
      cases: 3,
      succeeded: 2,
      successRate: 2 / 3,
      droppedOut: 1,
      dropOutRate: 1 / 3,
      meanMinutesToSuccess: 60,
      money: [{ currency: "EUR", minor: 9_980 }],
    });

    // The dropped-out applicant is onboarded by a person after all, and case 1 is deleted (retention).
    const rescued = {
      status: "resolved" as const,
      outcome: "onboarded-manually",
      closedAt: day * DAY + 3 * 60_000 + 120 * 60_000,
      succeeded: true,
      droppedOut: false,
    };
    await db.update(cases).set(rescued).where(eq(cases.caseId, "customer-onboarding/k3"));
    await db.delete(cases).where(eq(cases.caseId, "customer-onboarding/k1"));
    const now = rows
      .filter((r) => r.caseId !== "customer-onboarding/k1")
      .map((r) => (r.caseId === "customer-onboarding/k3" ? { ...r, ...rescued } : r));
    expect(await valueFromRollups(db, range)).toEqual(valueFromCases(normalise(now), range));
    const [after] = await valueFromRollups(db, { ...range, workflowId: "customer-onboarding", version: 4 });
    expect(valueFiguresOf(after!)).toMatchObject({
      cases: 2,
      succeeded: 2,
      droppedOut: 0,
      money: [{ currency: "EUR", minor: 5_990 }],
    });
  });
});
