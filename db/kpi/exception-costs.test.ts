/**
 * The five costs of exceptions over a real libSQL endpoint: time from the rollups, speed and rejected proposals from
 * the case rows, opportunity and scale at the baseline's cost per hour; each expected figure worked out by hand.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { useMigratedDatabase } from "../../test/support/libsql-server.ts";
import type { MetricsDatabase } from "../client.ts";
import { cases } from "../schema.ts";
import { exceptionCaseStats, exceptionCosts } from "./exception-costs.ts";
import { tallyFromRollups } from "./rollups.ts";

const database = useMigratedDatabase("kpi-exception-costs");
let db: MetricsDatabase;
beforeAll(() => {
  db = database().db;
});

const DAY = 86_400_000;
const day = 20_300;
const filter = { fromDay: day, toDay: day + 6, workflowId: "refund-dispute" };

function row(n: number, minutesToResolve: number | null, over: Partial<typeof cases.$inferInsert>) {
  const openedAt = day * DAY + n * 60_000;
  return {
    caseId: `refund-dispute/e${n}`,
    caseKey: `e${n}`,
    workflowId: "refund-dispute",
    workflowVersion: 2,
    status: minutesToResolve === null ? ("escalated" as const) : ("resolved" as const),
    openedAt,
    updatedAt: openedAt,
    closedAt: minutesToResolve === null ? null : openedAt + minutesToResolve * 60_000,
    ...over,
  };
}

describe("the five costs of exceptions", () => {
  it("time, speed, errors, opportunity and scale from the period's cases", async () => {
    await db.insert(cases).values([
      row(1, 10, {}),
      row(2, 20, {}),
      row(3, 90, { exception: "approval", humanTouch: true, humanMinutes: 30, proposals: 1 }),
      row(4, 150, { exception: "approval", humanTouch: true, humanMinutes: 60, proposals: 2, proposalsRejected: 1 }),
      row(5, null, { exception: "step-error", errored: true, humanMinutes: 30 }),
      // Another workflow's case is not counted.
      { ...row(6, 5, { exception: "approval", humanMinutes: 500 }), caseId: "other/e6", workflowId: "other" },
    ]);
    const [all] = await tallyFromRollups(db, filter);
    const stats = await exceptionCaseStats(db, filter);
    expect(stats).toEqual({
      resolvedWithException: 2,
      resolvedWithExceptionMs: 240 * 60_000,
      resolvedWithout: 2,
      resolvedWithoutMs: 30 * 60_000,
      proposals: 3,
      proposalsRejected: 1,
    });
    const costs = exceptionCosts(all!.tally, stats, 7, { costPerHourMinor: 5_000, currency: "EUR" });
    // 120 exception minutes = 2 h over one week, all of the people's time.
    expect(costs.time).toEqual({ casesWithException: 3, hours: 2, hoursPerWeek: 2, shareOfPeopleTime: 1 });
    // Mean 120 min with an exception against 15 min without.
    expect(costs.speed).toEqual({ withException: 120, without: 15, extraMinutes: 105, casesWith: 2, casesWithout: 2 });
    expect(costs.errors).toEqual({ proposals: 3, proposalsRejected: 1, rejectedRate: 1 / 3, erroredCases: 1 });
    expect(costs.opportunity).toEqual({ minor: 10_000, currency: "EUR" });
    expect(costs.scale).toEqual([
      { factor: 2, hours: 4, opportunityMinor: 20_000 },
      { factor: 5, hours: 10, opportunityMinor: 50_000 },
    ]);
  });

  it("without a baseline no opportunity; without both kinds of resolved case no speed", () => {
    const tally = { withException: 1, exceptionMinutes: 45, humanMinutes: 0, errored: 0 };
    const stats = {
      resolvedWithException: 1,
      resolvedWithExceptionMs: 60_000,
      resolvedWithout: 0,
      resolvedWithoutMs: 0,
      proposals: 0,
      proposalsRejected: 0,
    };
    const costs = exceptionCosts(tally, stats, 30, null);
    expect(costs.opportunity).toBeNull();
    expect(costs.speed).toBeNull();
    expect(costs.errors.rejectedRate).toBeNull();
    expect(costs.time.shareOfPeopleTime).toBeNull();
    expect(costs.scale.map((s) => s.opportunityMinor)).toEqual([null, null]);
  });
});
