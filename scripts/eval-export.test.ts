/** People's decisions become labelled golden cases: the label each kind of decision gives the agent step. */
import { describe, expect, it } from "vitest";
import type { CaseView } from "../workers/case/runtime.ts";
import { labelledCase } from "./eval-export.ts";

const golden = { agentSteps: ["triage"], labels: { "refunded-manually": "refund", denied: "deny" } };
const actor = { id: "ops-olga", roles: ["operator"] };

/** A refund case whose agent decided `refund` unsure, with the people's decisions given. */
function caseWith(decisions: { stepId: string; decision: string; outcome?: string }[]): CaseView {
  return {
    opener: { source: "zendesk", type: "ticket.created", payload: { detail: { id: "1" } } },
    steps: [
      { id: "load-charge", kind: "run", output: { id: "ch_1", amount: 8000, currency: "eur", amount_refunded: 0 } },
      { id: "triage", kind: "agent", output: { decision: { decision: "refund", confidence: 0.65, rationale: "x" } } },
    ],
    decisions: decisions.map((d, i) => ({ ...d, actor, at: i })),
    header: { caseId: "refund-dispute/customer:a@example.com" },
  } as unknown as CaseView;
}

describe("labelled cases from people's decisions", () => {
  it("labels a carried-out proposal with the agent's own decision, and a resolve through the golden labels", () => {
    const carried = labelledCase(caseWith([{ stepId: "triage:escalate", decision: "carry-out" }]), golden);
    expect(carried).toMatchObject({
      expect: { decision: "refund", refund: true },
      seed: { stripeCharges: [{ id: "ch_1", amount: 8000 }] },
    });
    const resolved = labelledCase(
      caseWith([{ stepId: "triage:escalate", decision: "resolve", outcome: "denied" }]),
      golden,
    );
    expect(resolved?.expect).toEqual({ decision: "deny", refund: false });
    // Carried out, then its approval rejected by a colleague: the last word is the colleague's.
    const rejected = labelledCase(
      caseWith([
        { stepId: "triage:escalate", decision: "carry-out" },
        { stepId: "triage:approve:offline-1", decision: "reject" },
      ]),
      golden,
    );
    expect(rejected?.expect).toEqual({ decision: "deny", refund: false });
  });
});
