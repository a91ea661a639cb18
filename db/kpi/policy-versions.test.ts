/** KPIs by policy version against a real libSQL endpoint: the same tallies as recounting the case rows by hand. */
import { beforeAll, describe, expect, it } from "vitest";
import { useMigratedDatabase } from "../../test/support/libsql-server.ts";
import type { MetricsDatabase } from "../client.ts";
import { cases } from "../schema.ts";
import { emptyTally } from "./definitions.ts";
import { tallyByPolicyVersion } from "./policy-versions.ts";
import { addCase } from "./recount.ts";

const database = useMigratedDatabase("kpi-policy-versions");
let db: MetricsDatabase;
beforeAll(() => {
  db = database().db;
});

const DAY = 86_400_000;
const day = 20_000;

function row(n: number, over: Partial<typeof cases.$inferInsert>): typeof cases.$inferInsert {
  return {
    caseId: `refund-dispute/k${n}`,
    caseKey: `k${n}`,
    workflowId: "refund-dispute",
    workflowVersion: 2,
    status: "resolved",
    openedAt: day * DAY + n * 60_000,
    updatedAt: day * DAY + n * 60_000,
    closedAt: day * DAY + n * 60_000 + 5 * 60_000,
    outcome: "refunded",
    humanTouch: false,
    exception: null,
    ...over,
  };
}

describe("tallyByPolicyVersion", () => {
  it("splits the workflow's cases of the period by workflow version and policy versions, counted as the rollups count", async () => {
    const rows = [
      row(1, { policyVersions: "refund-limits@0" }),
      row(2, { policyVersions: "refund-limits@0", humanTouch: true, humanDecisions: 1, humanMinutes: 8 }),
      row(3, {
        policyVersions: "refund-limits@1",
        status: "escalated",
        closedAt: null,
        escalated: true,
        handedToPerson: true,
        exception: "triage:escalate",
      }),
      row(4, { policyVersions: "refund-limits@1", closedAt: day * DAY + 4 * 60_000 + 90 * 60_000 }),
      row(5, { policyVersions: null, workflowVersion: 1 }),
      // Another workflow and another period: not counted.
      row(6, { workflowId: "payment-recovery", caseId: "payment-recovery/k6", policyVersions: "refund-limits@1" }),
      row(7, { policyVersions: "refund-limits@1", openedAt: (day + 3) * DAY }),
    ];
    await db.insert(cases).values(rows);
    const split = await tallyByPolicyVersion(db, { workflowId: "refund-dispute", fromDay: day, toDay: day + 1 });
    expect(split.map((s) => [s.workflowVersion, s.policyVersions, s.tally.opened])).toEqual([
      [1, null, 1],
      [2, "refund-limits@0", 2],
      [2, "refund-limits@1", 2],
    ]);
    for (const s of split) {
      const expected = emptyTally();
      for (const r of rows.slice(0, 5))
        if (r.workflowVersion === s.workflowVersion && (r.policyVersions ?? null) === s.policyVersions)
          addCase(expected, {
            escalated: false,
            errored: false,
            asks: 0,
            judgments: 0,
            humanDecisions: 0,
            humanMinutes: 0,
            minutesSaved: 0,
            handedToPerson: false,
            slaBreaches: 0,
            humanTouch: false,
            closedAt: null,
            exception: null,
            ...r,
          } as Parameters<typeof addCase>[1]);
      expect({ ...s.tally, exceptions: new Map() }).toEqual({ ...expected, exceptions: new Map() });
    }
    const onlyV2 = await tallyByPolicyVersion(db, {
      workflowId: "refund-dispute",
      fromDay: day,
      toDay: day,
      version: 2,
    });
    expect(onlyV2.map((s) => s.policyVersions)).toEqual(["refund-limits@0", "refund-limits@1"]);
  });
});
