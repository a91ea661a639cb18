/** `step.escalate`: hands the case to a person's queue with a context packet; it ends with their resolution. */
import { awaitPerson, escalationTask, resolvedByHuman } from "../handoff.ts";
import { decisionsFor } from "../human.ts";
import type { Replay } from "../replay.ts";
import { slaPlan } from "../sla.ts";
import type { Outcome } from "../types/case.ts";
import type { EscalationRequest } from "../types/human.ts";
import type { StepApi } from "../types/workflow.ts";

export const escalateStep =
  (r: Replay): StepApi["escalate"] =>
  async (id: string, request: EscalationRequest): Promise<Outcome> => {
    r.claim(id);
    const records = r.slaRecords(id);
    const recorded = r.replay(id);
    if (recorded) return recorded.output as Outcome;
    // A decision ends the escalation whenever it comes, before or after its SLA passed.
    const decision = decisionsFor(r.events, id).at(-1);
    if (decision) return resolvedByHuman(r, id, decision, decision);
    const task = escalationTask(r, id, request, {}, ["resolve"]);
    const plan = slaPlan(
      request.then,
      r.optionalSpan(request.sla ?? r.workflow.sla),
      (d) => r.span(d),
      r.notifierFor(request.slaNotify),
    );
    return awaitPerson(r, id, task, plan, records, null);
  };
