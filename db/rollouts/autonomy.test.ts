/** The autonomy judgment: when the evidence proposes the next rung, when it demotes, and when it holds. */
import { describe, expect, it } from "vitest";
import type { MetricBatch, MetricEvent } from "../facts.ts";
import {
  type AutonomyOutcome,
  type AutonomyRule,
  agreementOf,
  type CurrentEvidence,
  EMPTY_TALLY,
  judgeAutonomy,
  type LevelTally,
  reportedOutcomes,
} from "./autonomy.ts";

const RULE: AutonomyRule = {
  rungs: 3,
  start: 1,
  promoteAfter: { cases: 20, agreement: 0.95 },
  demoteOn: { errorRate: { rate: 0.2, minCases: 10 } },
};
const AT_1 = { level: 1, proposedLevel: null, since: 1_000 };

function evidence(tally: Partial<LevelTally>, recent: AutonomyOutcome[] = [], refusal?: CurrentEvidence["refusal"]) {
  return { tally: { ...EMPTY_TALLY, ...tally }, recentProposals: recent, refusal: refusal ?? null };
}
const approvedTimes = (n: number): AutonomyOutcome[] => Array.from({ length: n }, () => "approved");

describe("judgeAutonomy", () => {
  it("proposes the next rung after the declared number of proposals at the declared agreement", () => {
    const verdict = judgeAutonomy(RULE, AT_1, evidence({ approved: 20 }, approvedTimes(20)));
    expect(verdict).toMatchObject({ kind: "propose", to: 2 });
    expect(verdict.reason).toMatch(/20 of 20 proposals approved unchanged/);
  });

  it("holds with one proposal too few, or agreement below the threshold", () => {
    expect(judgeAutonomy(RULE, AT_1, evidence({ approved: 19 }, approvedTimes(19)))).toMatchObject({
      kind: "hold",
      reason: "19 of 20 proposals decided at this level",
    });
    // 38 of 40 is 95 %: enough. 37 of 40 is not (and the last 20 held no rejection, so agreement alone decides).
    expect(judgeAutonomy(RULE, AT_1, evidence({ approved: 38, changed: 2 }, approvedTimes(20))).kind).toBe("propose");
    expect(judgeAutonomy(RULE, AT_1, evidence({ approved: 37, changed: 3 }, approvedTimes(20)))).toMatchObject({
      kind: "hold",
      reason: "agreement 92.5 % is below 95 %",
    });
  });

  it("holds while a rejection is among the last proposals, even at level 0 where nothing can demote", () => {
    const recent: AutonomyOutcome[] = [...approvedTimes(19), "rejected"];
    const atZero = { level: 0, proposedLevel: null, since: null };
    const verdict = judgeAutonomy(RULE, atZero, evidence({ approved: 60, rejected: 1 }, recent));
    expect(verdict).toMatchObject({ kind: "hold", reason: "a rejection among the last 20 proposals" });
  });

  it("demotes one rung at once on a rejection or a reversal at the level in force", () => {
    const refusal = { outcome: "rejected" as const, caseId: "refund-dispute/customer:a", step: "triage:refund:c1" };
    expect(judgeAutonomy(RULE, AT_1, evidence({ approved: 50, rejected: 1 }, [], refusal))).toMatchObject({
      kind: "demote",
      to: 0,
    });
    const reversal = { ...refusal, outcome: "reversed" as const };
    const verdict = judgeAutonomy(RULE, { ...AT_1, level: 2 }, evidence({ alone: 5, reversed: 1 }, [], reversal));
    expect(verdict).toMatchObject({ kind: "demote", to: 1 });
    expect(verdict.reason).toMatch(/reversed \(refund-dispute\/customer:a, triage:refund:c1\)/);
  });

  it("demotes on an error spike among the actions it took alone, once there are enough of them", () => {
    expect(judgeAutonomy(RULE, AT_1, evidence({ alone: 10, aloneErrored: 2 }))).toMatchObject({
      kind: "demote",
      to: 0,
    });
    expect(judgeAutonomy(RULE, AT_1, evidence({ alone: 9, aloneErrored: 5 })).kind).toBe("hold");
    expect(judgeAutonomy(RULE, AT_1, evidence({ alone: 11, aloneErrored: 2 })).kind).toBe("hold");
  });

  it("never proposes past the top rung, nor twice", () => {
    expect(judgeAutonomy(RULE, { ...AT_1, level: 2 }, evidence({ approved: 99 }, approvedTimes(20)))).toMatchObject({
      kind: "hold",
      reason: "on the ladder's top rung",
    });
    expect(judgeAutonomy(RULE, { ...AT_1, proposedLevel: 2 }, evidence({ approved: 99 }, approvedTimes(20))).kind).toBe(
      "hold",
    );
  });

  it("withdraws a pending proposal the evidence no longer supports", () => {
    const pending = { level: 0, proposedLevel: 1, since: null };
    const recent: AutonomyOutcome[] = ["rejected", ...approvedTimes(19)];
    expect(judgeAutonomy(RULE, pending, evidence({ approved: 40, rejected: 1 }, recent))).toEqual({
      kind: "withdraw",
      reason: "level 1 no longer holds: a rejection among the last 20 proposals",
    });
    expect(judgeAutonomy(RULE, pending, evidence({ approved: 40 }, approvedTimes(20))).kind).toBe("hold");
  });

  it("gives agreement with its Wilson interval", () => {
    const { proposals, agreement, interval } = agreementOf({ ...EMPTY_TALLY, approved: 19, rejected: 1 });
    expect(proposals).toBe(20);
    expect(agreement).toBe(0.95);
    expect(interval!.low).toBeCloseTo(0.7639, 3);
    expect(interval!.high).toBeCloseTo(0.9911, 3);
    expect(agreementOf(EMPTY_TALLY)).toEqual({ proposals: 0, agreement: null, interval: null });
  });
});

describe("reportedOutcomes", () => {
  const event = (detail: Record<string, unknown>, at = 5): MetricEvent => ({
    id: `e${at}`,
    caseId: "refund-dispute/customer:a",
    caseKey: "customer:a",
    workflowId: "refund-dispute",
    workflowVersion: 2,
    kind: "human.decision",
    at,
    humanTouch: true,
    detail,
  });
  const batch = (events: MetricEvent[]) => ({ events, snapshot: {} }) as unknown as MetricBatch;

  it("takes a row per reported action, keyed by the step that performs it, and the newest rule per action", () => {
    const rule = { rungs: 3, start: 1, promoteAfter: { cases: 50, agreement: 0.95 }, demoteOn: {} };
    const tag = { action: "refund", step: "triage:refund:c1", level: 1, rung: "alone up to 50", amount: 8_000 };
    const { rows, touched } = reportedOutcomes([
      batch([
        event({ decision: "approve" }, 1),
        event({ decision: "reject", autonomy: { ...tag, outcome: "rejected", rule } }, 2),
        event({ autonomy: { action: "refund" } }, 3),
      ]),
    ]);
    expect(rows).toEqual([
      {
        caseId: "refund-dispute/customer:a",
        stepId: "triage:refund:c1",
        workflowId: "refund-dispute",
        workflowVersion: 2,
        action: "refund",
        level: 1,
        amount: 8_000,
        outcome: "rejected",
        at: 2,
      },
    ]);
    expect([...touched.values()]).toEqual([{ workflowId: "refund-dispute", action: "refund", rule }]);
  });
});
