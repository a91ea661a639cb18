/**
 * A deliberately different refund-dispute, version 3, for the shadow-run tests: version 2 with one change in its
 * triage policy, it denies every refund version 2 would grant (the agent's rules are wrapped: a "refund" decision
 * becomes "deny"). Everything else (steps, ids, replies, approvals) is version 2's, so a shadow run over version 2's
 * cases must find exactly the refunded ones different and the rest the same.
 */
import type { AgentDecision, AgentHeuristics, AgentSpec } from "../../workers/agent/types.ts";
import type { VersionShare, WorkflowContext, WorkflowDefinition } from "../../workers/engine/index.ts";
import { WORKFLOWS } from "../../workers/workflows/index.ts";
import refundDispute, { type TicketEvent } from "../../workers/workflows/refund-dispute.ts";

function denyingRefunds<D extends AgentDecision>(rules: AgentHeuristics<D>): AgentHeuristics<D> {
  return (args) => {
    const verdict = rules(args);
    if (verdict.decision !== "refund") return verdict;
    return { decision: "deny", confidence: 0.9, rationale: "v3 denies refunds" } as unknown as ReturnType<
      AgentHeuristics<D>
    >;
  };
}

export const refundDisputeDenyingV3: WorkflowDefinition<TicketEvent> = {
  ...refundDispute,
  version: 3,
  body: (ctx: WorkflowContext<TicketEvent>) => {
    const agent = <D extends AgentDecision>(id: string, spec: AgentSpec<D>) =>
      ctx.agent(id, { ...spec, heuristics: denyingRefunds(spec.heuristics) });
    // The extensions sit behind the context (its prototype); this context puts its own agent in front of them.
    return refundDispute.body(Object.assign(Object.create(ctx) as WorkflowContext<TicketEvent>, { agent }));
  },
};

/** The product's workflows plus the candidate. */
export const SHADOW_WORKFLOWS: readonly WorkflowDefinition[] = [...WORKFLOWS, refundDisputeDenyingV3];

/** Every new refund-dispute case opens on version 2: version 3 is only ever a shadow-run candidate here. */
export const SHADOW_SHARES: ReadonlyMap<string, readonly VersionShare[]> = new Map([
  ["refund-dispute", [{ version: 2, percent: 100 }]],
]);
