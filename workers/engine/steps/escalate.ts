/**
 * `step.escalate`: hands the case to a person's queue with a context packet; it ends with their resolution.
 * `step.escalateWithProposal`: the same hand-off offering the proposed action; a person's `carry-out` completes the
 * step with their decision and the body goes on with the action.
 */
import { awaitPerson, escalationTask, resolvedByHuman } from "../handoff.ts";
import { decisionsFor } from "../human.ts";
import type { Replay } from "../replay.ts";
import { slaPlan } from "../sla.ts";
import type { Outcome } from "../types/case.ts";
import type { EscalationRequest, HumanDecision, ProposalEscalation } from "../types/human.ts";
import type { StepApi } from "../types/workflow.ts";

/** The hand-off both share; `carryOut`: the action offered (then `carry-out` is allowed beside `resolve`). */
async function handOff(r: Replay, id: string, request: EscalationRequest, carryOut?: string): Promise<unknown> {
  r.claim(id);
  const records = r.slaRecords(id);
  const recorded = r.replay(id);
  if (recorded) return recorded.output;
  // A decision ends the escalation whenever it comes, before or after its SLA passed.
  const decision = decisionsFor(r.events, id).at(-1);
  if (decision?.decision === "carry-out" && carryOut !== undefined) return carriedOut(r, id, decision, carryOut);
  if (decision) return resolvedByHuman(r, id, decision, decision);
  const offered = carryOut !== undefined;
  const extra = {
    ...(offered ? { carryOut } : {}),
    ...(request.cannotCarryOut ? { cannotCarryOut: request.cannotCarryOut } : {}),
  };
  const task = escalationTask(r, id, request, extra, offered ? ["carry-out", "resolve"] : ["resolve"]);
  const plan = slaPlan(
    request.then,
    r.optionalSpan(request.sla ?? r.workflow.sla),
    (d) => r.span(d),
    r.notifierFor(request.slaNotify),
  );
  return awaitPerson(r, id, task, plan, records, null);
}

/** A person chose to carry out the proposed action: the step ends with their decision, audited as theirs. */
function carriedOut(r: Replay, id: string, decision: HumanDecision, action: string): never {
  const detail = {
    by: decision.actor.id,
    action,
    ...(decision.note ? { note: decision.note } : {}),
    ...(decision.minutesSpent !== undefined ? { minutesSpent: decision.minutesSpent } : {}),
  };
  return r.complete({
    id,
    kind: "escalate",
    output: decision,
    startedAt: r.waitStart(id),
    finishedAt: r.now(),
    audit: { actor: { kind: "human", id: decision.actor.id }, entries: [{ action: "escalation.carried_out", detail }] },
  });
}

export const escalateStep =
  (r: Replay): StepApi["escalate"] =>
  async (id: string, request: EscalationRequest): Promise<Outcome> =>
    (await handOff(r, id, request)) as Outcome;

export const escalateWithProposalStep =
  (r: Replay): StepApi["escalateWithProposal"] =>
  async (id: string, request: ProposalEscalation): Promise<HumanDecision> => {
    const { carryOut, ...rest } = request;
    const output = await handOff(r, id, rest, carryOut);
    // A replayed `resolve` never reaches here (the case ended); a replayed `carry-out` is the person's decision.
    return output as HumanDecision;
  };
