/**
 * Customer satisfaction: a case's survey facts from its own audit trail, and the satisfaction rollups (kept by
 * migration 0026's triggers) equal to recounting the rows, on a real libSQL endpoint, through inserts, a survey
 * moving on (asked, then answered), and a deletion.
 */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { useMigratedDatabase } from "../../test/support/libsql-server.ts";
import type { MetricsDatabase } from "../client.ts";
import { type AuditedAction, caseFacts } from "../facts.ts";
import { cases } from "../schema.ts";
import {
  satisfactionByPolicyVersion,
  satisfactionFiguresOf,
  satisfactionFromCases,
  satisfactionFromRollups,
  satisfactionMismatches,
} from "./satisfaction.ts";

const measures = { minutesPerCase: 10 };
const resolvedTrail: AuditedAction[] = [
  { action: "step.completed", stepId: "pick-plan", detail: { kind: "run" } },
  { action: "case.resolved", stepId: "resolve:onboarded", detail: { outcome: "onboarded", humanTouch: false } },
];

describe("satisfaction facts from the audit trail", () => {
  it("a survey asked, then answered, unreadable or unanswered; the other facts as without it", () => {
    const before = caseFacts("resolved", resolvedTrail, measures);
    expect("satisfactionAsked" in before).toBe(false);
    const asked = [...resolvedTrail, { action: "satisfaction.asked", stepId: "satisfaction:send", detail: {} }];
    expect(caseFacts("resolved", asked, measures)).toEqual({
      ...before,
      satisfactionAsked: true,
      satisfactionReply: null,
      satisfactionScore: null,
    });
    const answered = [
      ...asked,
      { action: "satisfaction.answered", stepId: "satisfaction:reply", detail: { score: 4 } },
    ];
    expect(caseFacts("resolved", answered, measures)).toMatchObject({
      satisfactionReply: "answered",
      satisfactionScore: 4,
      // The survey's wait is not a question of the case: no ask, no exception, no drop-out.
      asks: 0,
      exception: null,
      minutesSaved: 10,
    });
    const unread = [...asked, { action: "satisfaction.unreadable", stepId: "satisfaction:reply", detail: {} }];
    expect(caseFacts("resolved", unread, measures)).toMatchObject({
      satisfactionReply: "unreadable",
      satisfactionScore: null,
    });
    const none = [...asked, { action: "satisfaction.unanswered", stepId: "satisfaction:reply", detail: {} }];
    expect(caseFacts("resolved", none, measures)).toMatchObject({
      satisfactionReply: "unanswered",
      satisfactionScore: null,
    });
    // A question that never went out is not a survey.
    const notSent = [...resolvedTrail, { action: "satisfaction.not_sent", stepId: "satisfaction:send", detail: {} }];
    expect("satisfactionAsked" in caseFacts("resolved", notSent, measures)).toBe(false);
  });
});

const database = useMigratedDatabase("kpi-satisfaction");
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
    satisfactionAsked: true,
    satisfactionReply: "answered",
    satisfactionScore: 5,
    ...over,
  };
}

const range = { fromDay: day, toDay: day + 1 };
const normalise = (rows: (typeof cases.$inferInsert)[]) =>
  rows.map((r) => ({
    workflowId: r.workflowId,
    workflowVersion: r.workflowVersion,
    openedAt: r.openedAt,
    satisfactionAsked: r.satisfactionAsked ?? null,
    satisfactionReply: r.satisfactionReply ?? null,
    satisfactionScore: r.satisfactionScore ?? null,
  }));

describe("satisfaction rollups", () => {
  it("equal a recount of the case rows, per workflow and version, as surveys move on and rows go", async () => {
    const rows = [
      row(1, {}),
      row(2, { satisfactionScore: 3 }),
      row(3, { satisfactionReply: "unanswered", satisfactionScore: null }),
      row(4, { satisfactionReply: null, satisfactionScore: null }),
      row(5, { satisfactionReply: "unreadable", satisfactionScore: null }),
      row(6, { workflowVersion: 3, satisfactionScore: 2 }),
      // Never surveyed, and a case of another period: not in these figures.
      row(7, { satisfactionAsked: null, satisfactionReply: null, satisfactionScore: null }),
      row(8, { openedAt: (day + 5) * DAY }),
    ];
    await db.insert(cases).values(rows);
    expect(await satisfactionFromRollups(db, range)).toEqual(satisfactionFromCases(normalise(rows), range));
    const [v4] = await satisfactionFromRollups(db, { ...range, workflowId: "customer-onboarding", version: 4 });
    expect(satisfactionFiguresOf(v4!)).toEqual({
      asked: 5,
      answered: 2,
      meanScore: 4,
      responseRate: 2 / 5,
      unreadable: 1,
      unanswered: 1,
      awaiting: 1,
    });

    // The awaited reply comes (a 1), and case 1 is deleted (retention).
    const replied = { satisfactionReply: "answered" as const, satisfactionScore: 1, updatedAt: day * DAY + DAY / 2 };
    await db.update(cases).set(replied).where(eq(cases.caseId, "customer-onboarding/k4"));
    await db.delete(cases).where(eq(cases.caseId, "customer-onboarding/k1"));
    const now = rows
      .filter((r) => r.caseId !== "customer-onboarding/k1")
      .map((r) => (r.caseId === "customer-onboarding/k4" ? { ...r, ...replied } : r));
    expect(await satisfactionFromRollups(db, range)).toEqual(satisfactionFromCases(normalise(now), range));
    const [after] = await satisfactionFromRollups(db, { ...range, workflowId: "customer-onboarding", version: 4 });
    expect(satisfactionFiguresOf(after!)).toMatchObject({ asked: 4, answered: 2, meanScore: 2, awaiting: 0 });
  });

  it("splits by the policy versions the surveyed cases decided under", async () => {
    const rows = [
      row(20, {
        workflowId: "refund-dispute",
        caseId: "refund-dispute/p1",
        workflowVersion: 2,
        policyVersions: "refund-limits@1",
        satisfactionScore: 2,
      }),
      row(21, {
        workflowId: "refund-dispute",
        caseId: "refund-dispute/p2",
        workflowVersion: 2,
        policyVersions: "refund-limits@2",
        satisfactionScore: 5,
      }),
      row(22, {
        workflowId: "refund-dispute",
        caseId: "refund-dispute/p3",
        workflowVersion: 2,
        policyVersions: "refund-limits@2",
        satisfactionReply: "unanswered",
        satisfactionScore: null,
      }),
      // Not surveyed: not in these figures.
      row(23, {
        workflowId: "refund-dispute",
        caseId: "refund-dispute/p4",
        workflowVersion: 2,
        policyVersions: "refund-limits@2",
        satisfactionAsked: null,
        satisfactionReply: null,
        satisfactionScore: null,
      }),
    ];
    await db.insert(cases).values(rows);
    const split = await satisfactionByPolicyVersion(db, { ...range, workflowId: "refund-dispute" });
    expect(split.map((s) => [s.version, s.policies, s.figures.asked, s.figures.answered, s.figures.meanScore])).toEqual(
      [
        [2, "refund-limits@1", 1, 1, 2],
        [2, "refund-limits@2", 2, 1, 5],
      ],
    );
  });

  it("kpi:verify's comparison names each figure that differs", () => {
    const t = { workflowId: "w", version: 1, asked: 3, answered: 2, scoreSum: 9, unreadable: 0, unanswered: 1 };
    expect(satisfactionMismatches([t], [t])).toEqual([]);
    expect(satisfactionMismatches([t], [{ ...t, scoreSum: 8 }])).toEqual([
      "satisfaction w@v1 meanScore: case records say 4.5, dashboard says 4",
    ]);
    expect(satisfactionMismatches([], [t])).toEqual([
      "satisfaction w@v1: the dashboard counts 3 surveys the case records do not have",
    ]);
  });

  it("no answers yet: no mean score (never 0)", () => {
    const t = { workflowId: "w", version: 1, asked: 3, answered: 0, scoreSum: 0, unreadable: 0, unanswered: 0 };
    expect(satisfactionFiguresOf(t)).toMatchObject({ meanScore: null, responseRate: 0, awaiting: 3 });
  });
});
