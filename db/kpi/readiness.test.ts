import { describe, expect, it } from "vitest";
import { emptyTally, kpisOf } from "./index.ts";
import { assessReadiness, DEFAULT_THRESHOLDS } from "./readiness.ts";

const ruleChanges = (input: { versionsInPeriod: number; policyChangesInPeriod?: number; days?: number }) =>
  assessReadiness(
    { kpis: kpisOf(emptyTally()), days: input.days ?? 90, systems: [], ...input },
    DEFAULT_THRESHOLDS,
  ).factors.find((f) => f.name === "rule change frequency")!;

describe("readiness: rule change frequency", () => {
  it("counts a policy change within a quarter as changing rules, as it counts a new version", () => {
    expect(ruleChanges({ versionsInPeriod: 1 })).toMatchObject({
      level3: false,
      measured: "1 version(s) and 0 policy change(s) in 90 days",
    });
    expect(ruleChanges({ versionsInPeriod: 1, policyChangesInPeriod: 2 })).toMatchObject({
      level3: true,
      measured: "1 version(s) and 2 policy change(s) in 90 days",
    });
    expect(ruleChanges({ versionsInPeriod: 2 }).level3).toBe(true);
  });

  it("does not call changes over a longer period than a quarter frequent", () => {
    expect(ruleChanges({ versionsInPeriod: 1, policyChangesInPeriod: 1, days: 180 }).level3).toBe(false);
  });
});
