import { describe, expect, it } from "vitest";
import type { RolloutPolicy } from "../../../../db/rollouts/policy.ts";
import { changeFields, policyFromForm } from "./rollout-form.ts";

const form = (fields: Record<string, string>) => {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
};

const canary = {
  baseline: "1",
  candidate: "2",
  "share-1": "90",
  "share-2": "10",
  minimumSample: "30",
  steps: "10, 50 100",
  promotion: "approval",
  slack: "#refunds, @ana",
  email: "ops@example.com",
};

describe("policyFromForm", () => {
  it("reads percentages, a rate guard's limit in percentage points, a time guard's in minutes, and lists", () => {
    const parsed = policyFromForm(
      form({
        ...canary,
        "guard-errorRate": "on",
        "limit-errorRate": "5",
        "guard-medianMinutesToResolution": "on",
        "limit-medianMinutesToResolution": "90",
        "limit-escalationRate": "3",
      }),
      [2, 1],
      null,
    );
    expect(parsed).toEqual({
      policy: {
        baseline: 1,
        candidate: 2,
        shares: [
          { version: 2, percent: 10 },
          { version: 1, percent: 90 },
        ],
        guards: [
          { metric: "errorRate", maxWorseBy: 0.05 },
          { metric: "medianMinutesToResolution", maxWorseBy: 90 },
        ],
        minimumSample: 30,
        steps: [10, 50, 100],
        promotion: "approval",
        notify: { slack: ["#refunds", "@ana"], email: ["ops@example.com"] },
        state: "canary",
      },
    });
  });

  it("leaves out a version at 0 % unless it is the candidate, which is then halted", () => {
    const parsed = policyFromForm(
      form({ ...canary, "share-1": "100", "share-2": "0", "share-3": "0" }),
      [3, 2, 1],
      null,
    );
    expect("policy" in parsed && parsed.policy.shares).toEqual([
      { version: 2, percent: 0 },
      { version: 1, percent: 100 },
    ]);
    expect("policy" in parsed && parsed.policy.state).toBe("halted");
  });

  it("keeps a canary awaiting approval when only its guards or who is told change; no candidate is steady", () => {
    const before = { candidate: 2, state: "awaiting-approval" } as RolloutPolicy;
    const kept = policyFromForm(form({ ...canary, slack: "#other" }), [2, 1], before);
    expect("policy" in kept && kept.policy.state).toBe("awaiting-approval");
    const steady = policyFromForm(
      form({ ...canary, candidate: "", "share-1": "0", "share-2": "100", baseline: "2" }),
      [2, 1],
      before,
    );
    expect("policy" in steady && steady.policy).toMatchObject({
      candidate: null,
      state: "steady",
      shares: [{ version: 2, percent: 100 }],
    });
  });

  it("names each mistake beside the field it is in", () => {
    const parsed = policyFromForm(
      form({ ...canary, "share-1": "80", steps: "50, 10", email: "not-an-address" }),
      [2, 1],
      null,
    );
    expect("error" in parsed && parsed.error).toContain("Shares: shares add up to 90 %, not 100 %.");
    expect("error" in parsed && parsed.error).toContain("Steps: steps must rise.");
    expect("error" in parsed && parsed.error).toContain("Notify by email:");
  });
});

describe("changeFields", () => {
  it("needs a reason of at least three characters and the revision the person saw", () => {
    expect(changeFields(form({ reason: "  v3 canary  ", expectedRevision: "4" }))).toEqual({
      reason: "v3 canary",
      expectedRevision: 4,
    });
    expect(changeFields(form({ reason: "ok", expectedRevision: "4" }))).toMatch(/^Say why/);
    expect(changeFields(form({ reason: "because", expectedRevision: "" }))).toMatch(/revision/);
  });
});
