import { describe, expect, it } from "vitest";
import { type AuditedAction, CaseFactsFold, caseFacts } from "./facts.ts";

const measures = { minutesPerCase: 30, minutesPerDecision: 5, routineSteps: ["consent"] };
/** A trail with every action the facts count, in an order where first-wins and reject-after-approval matter. */
const trail: AuditedAction[] = [
  { action: "event.received" },
  { action: "step.completed", stepId: "consent", detail: { kind: "ask" } },
  { action: "step.completed", stepId: "triage", detail: { kind: "agent" } },
  { action: "step.attempt_failed", stepId: "refund" },
  { action: "approval.requested", stepId: "refund" },
  { action: "sla.breached", stepId: "refund" },
  { action: "human.decision", stepId: "refund", detail: { decision: "reject", minutesSpent: 12 } },
  { action: "wait.matched", stepId: "docs", detail: { kind: "ask" } },
  { action: "case.escalated", stepId: "ship", detail: { failure: true } },
  { action: "human.decision", stepId: "ship", detail: { decision: "approve" } },
  { action: "wait.timed_out", stepId: "reply", detail: { kind: "agent" } },
];

describe("CaseFactsFold", () => {
  it("folded in any chunks, equals caseFacts over the whole trail, for every status", () => {
    for (const status of ["running", "resolved", "failed"] as const) {
      const whole = caseFacts(status, trail, measures);
      for (const cut of [0, 1, 4, 5, 7, trail.length]) {
        const fold = new CaseFactsFold(measures);
        fold.add(trail.slice(0, cut));
        fold.facts(status); // reading between flushes changes nothing
        fold.add(trail.slice(cut));
        expect(fold.facts(status)).toEqual(whole);
      }
    }
    expect(caseFacts("running", trail, measures)).toMatchObject({
      exception: "refund",
      asks: 2,
      judgments: 2,
      humanDecisions: 2,
      humanMinutes: 17,
      proposals: 1,
      proposalsRejected: 1,
      slaBreaches: 1,
      errored: true,
      escalated: true,
    });
  });

  it("saves the case's minutes only when it resolved with no person's decision", () => {
    const fold = new CaseFactsFold(measures);
    fold.add([{ action: "step.completed", stepId: "triage", detail: { kind: "agent" } }]);
    expect(fold.facts("running").minutesSaved).toBe(0);
    expect(fold.facts("resolved")).toMatchObject({ minutesSaved: 30, errored: false, exception: null });
    fold.add([{ action: "human.decision", stepId: "x", detail: { decision: "approve" } }]);
    expect(fold.facts("resolved").minutesSaved).toBe(0);
  });
});
