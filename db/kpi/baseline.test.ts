/**
 * The change against manual handling over a real libSQL endpoint: cases written as the metrics writer writes them,
 * read back through the rollups, compared with a baseline; each expected figure worked out by hand from the rows.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { useMigratedDatabase } from "../../test/support/libsql-server.ts";
import type { MetricsDatabase } from "../client.ts";
import { cases } from "../schema.ts";
import { compareWithBaseline, rateChange } from "./baseline.ts";
import { tallyFromRollups } from "./rollups.ts";
import { valueFromRollups } from "./value.ts";

const database = useMigratedDatabase("kpi-baseline");
let db: MetricsDatabase;
beforeAll(() => {
  db = database().db;
});

const DAY = 86_400_000;
const day = 20_200;
const filter = { fromDay: day, toDay: day, workflowId: "customer-onboarding" };
const baseline = {
  minutesPerCase: 30,
  errorRate: 0.1,
  dropOutRate: 0.27,
  conversionRate: 0.4,
  costPerHourMinor: 6_000,
  currency: "EUR",
};

function row(n: number, over: Partial<typeof cases.$inferInsert>): typeof cases.$inferInsert {
  const openedAt = day * DAY + n * 60_000;
  return {
    caseId: `customer-onboarding/b${n}`,
    caseKey: `b${n}`,
    workflowId: "customer-onboarding",
    workflowVersion: 4,
    status: "resolved",
    openedAt,
    updatedAt: openedAt,
    closedAt: openedAt + 20 * 60_000,
    succeeded: true,
    droppedOut: false,
    ...over,
  };
}

describe("the change against a baseline", () => {
  it("time saved from measured minutes, money at the cost per hour, rates with intervals", async () => {
    // 10 cases: 6 onboarded on their own, 2 handed to a person (25 and 15 minutes measured), 1 errored and failed,
    // 1 dropped out (its question unanswered).
    await db
      .insert(cases)
      .values([
        ...[1, 2, 3, 4, 5, 6].map((n) => row(n, {})),
        row(7, { humanTouch: true, handedToPerson: true, humanMinutes: 25, exception: "approval" }),
        row(8, { humanTouch: true, handedToPerson: true, humanMinutes: 15, exception: "approval", succeeded: false }),
        row(9, { status: "failed", errored: true, exception: "step-error", succeeded: false, closedAt: null }),
        row(10, { status: "escalated", exception: "no-reply", succeeded: false, droppedOut: true, closedAt: null }),
      ]);
    const [all] = await tallyFromRollups(db, filter);
    const c = compareWithBaseline(baseline, all!.tally, await valueFromRollups(db, filter), {
      dropOut: true,
      success: true,
    });
    // By hand: 10 × 30 = 300 min, less 40 measured: 260 min = 4.33 h; 260 / 60 × €60 = €260.00.
    expect(c).toMatchObject({ cases: 10, manualMinutes: 300, measuredMinutes: 40, hoursSaved: 4.33 });
    expect(c.moneySavedMinor).toBe(26_000);
    // Errors 1 of 10 against 10 %: no change; Wilson 95 % for 1/10 is 1.79 %–40.42 %.
    expect(c.errors!.now).toBe(0.1);
    expect(c.errors!.change).toBeCloseTo(0, 10);
    expect(c.errors!.interval.low).toBeCloseTo(0.01787, 4);
    expect(c.errors!.interval.high).toBeCloseTo(0.40415, 4);
    // Drop-out 1 of 10 against 27 %: −17 points; conversion 7 of 10 against 40 %: +30 points.
    expect(c.dropOut!.now).toBe(0.1);
    expect(c.dropOut!.change).toBeCloseTo(-0.17, 10);
    expect(c.dropOut!.changeInterval.low).toBeCloseTo(0.01787 - 0.27, 4);
    expect(c.conversion!.now).toBe(0.7);
    expect(c.conversion!.change).toBeCloseTo(0.3, 10);
  });

  it("no drop-out change where the workflow measures none or the baseline has no figure; nothing without cases", () => {
    const tally = { opened: 4, humanMinutes: 0, errored: 0 };
    const value = [{ workflowId: "w", version: 1, cases: 4, succeeded: 2, successMs: 0, droppedOut: 1, money: [] }];
    expect(compareWithBaseline(baseline, tally, value, { dropOut: false, success: true }).dropOut).toBeNull();
    expect(
      compareWithBaseline({ ...baseline, dropOutRate: null }, tally, value, { dropOut: true, success: true }).dropOut,
    ).toBeNull();
    const none = compareWithBaseline(baseline, { opened: 0, humanMinutes: 0, errored: 0 }, [], {
      dropOut: true,
      success: true,
    });
    expect(none).toMatchObject({
      hoursSaved: null,
      moneySavedMinor: null,
      errors: null,
      dropOut: null,
      conversion: null,
    });
    expect(rateChange(0.27, 0, 0)).toBeNull();
  });
});
