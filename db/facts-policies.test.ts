/** The policy versions a case decided under, as its facts carry them to the `cases` row (db/facts.ts). */
import { describe, expect, it } from "vitest";
import { type AuditedAction, CaseFactsFold, caseFacts } from "./facts.ts";

const measures = { minutesPerCase: 25 };

describe("a case's policy versions in its facts", () => {
  it("names each policy read as name@version, in name order, and nothing for a case that read none", () => {
    const trail: AuditedAction[] = [
      { action: "step.completed", stepId: "policy:refund-limits", detail: { kind: "run" } },
      { action: "policy.read", stepId: "policy:refund-limits", detail: { policy: "refund-limits@2", value: {} } },
      { action: "policy.read", stepId: "policy:market-rules", detail: { policy: "market-rules@0", value: {} } },
      { action: "case.resolved" },
    ];
    expect(caseFacts("resolved", trail, measures).policyVersions).toBe("market-rules@0,refund-limits@2");
    const fold = new CaseFactsFold(measures);
    fold.add(trail.slice(0, 2));
    expect(fold.facts("running").policyVersions).toBe("refund-limits@2");
    fold.add(trail.slice(2));
    expect(fold.facts("resolved")).toEqual(caseFacts("resolved", trail, measures));
    expect("policyVersions" in caseFacts("resolved", [{ action: "case.resolved" }], measures)).toBe(false);
  });
});
