/**
 * The hand-off to a person: the task they get (its context packet, queue, role and SLA deadline), the case parked on
 * it with its SLA watched, and the case ended by their resolution. `step.approve`, `step.escalate` and a step whose
 * attempts ran out all hand off through here.
 */
import { HUMAN_SOURCE } from "./human.ts";
import type { Replay } from "./replay.ts";
import { type SlaPlan, watchSla } from "./sla.ts";
import { Suspend } from "./suspend.ts";
import type { Outcome, RetryState, StepRecord } from "./types/case.ts";
import type { ContextPacket, EscalationRequest, HumanTask, PendingWait } from "./types/human.ts";

export const DEFAULT_ROLE = "operator";

/** A person's context packet, with the steps completed so far (the SLA's own records are about the hand-off, not the work). */
export function packet(r: Replay, fields: Omit<ContextPacket, "steps">): ContextPacket {
  const steps = r.completed.slice(0, r.position).filter((s) => s.kind !== "sla");
  return { ...fields, steps: steps.map((s) => ({ id: s.id, kind: s.kind, finishedAt: s.finishedAt })) };
}

/** Parks the case on a person's decision; `wakeAt`: when an SLA notice in backoff may be sent again. */
export function awaitHuman(
  r: Replay,
  id: string,
  human: HumanTask,
  deadline: number | null,
  retry?: { stepId: string; state: RetryState },
  wakeAt: number | null = null,
): never {
  // A step that just failed over to a person starts a new hand-off, even if an earlier one was on the same step.
  const startedAt = retry ? r.now() : r.waitStart(id);
  const wait: PendingWait = {
    kind: "human",
    stepId: id,
    startedAt,
    deadline,
    sources: [HUMAN_SOURCE],
    types: [],
    human,
  };
  throw new Suspend({ kind: "waiting", wait, ...(retry ? { retry } : {}), ...(wakeAt !== null ? { wakeAt } : {}) });
}

/** Parks on a person's task once its SLA is in order (a breach or notice that is due is recorded first). */
export async function awaitPerson(
  r: Replay,
  id: string,
  task: HumanTask,
  plan: SlaPlan,
  records: readonly StepRecord[],
  deadline: number | null,
): Promise<never> {
  const watched = await watchSla(r.sla, { id, startedAt: r.waitStart(id), deadline, task }, plan, records);
  return awaitHuman(r, id, watched.task, deadline, undefined, watched.wakeAt);
}

/** A person resolved the case: it ends with their outcome label, recorded as their decision. */
export function resolvedByHuman(
  r: Replay,
  id: string,
  decision: { outcome?: string; note?: string; actor: { id: string } },
  output: unknown,
): never {
  const at = r.now();
  const outcome: Outcome = {
    outcome: decision.outcome ?? "resolved-by-human",
    detail: { resolvedBy: decision.actor.id, ...(decision.note ? { note: decision.note } : {}) },
  };
  throw new Suspend({
    kind: "resolved",
    record: { id, kind: "escalate", output, startedAt: r.waitStart(id), finishedAt: at },
    outcome,
  });
}

export function escalationTask(
  r: Replay,
  id: string,
  request: EscalationRequest,
  extra: Partial<ContextPacket>,
  allowed: HumanTask["allowed"],
): HumanTask {
  const sla = r.optionalSpan(request.sla ?? r.workflow.sla);
  return {
    kind: "escalation",
    queue: request.queue ?? "escalations",
    role: request.role ?? DEFAULT_ROLE,
    approvals: 1,
    requestedBy: null,
    allowed,
    packet: packet(r, {
      title: request.title ?? request.reason,
      reason: request.reason,
      summary: request.summary,
      evidence: request.evidence,
      tried: request.tried,
      proposedAction: request.proposedAction,
      ...extra,
    }),
    slaDeadline: sla === null ? null : r.waitStart(id) + sla,
    ...(request.turn ? { turn: request.turn } : {}),
  };
}

/** The hand-off of a step whose attempts ran out: the person may run it again or resolve the case. */
export function failureTask(r: Replay, id: string, state: RetryState): HumanTask {
  const attempts = `${state.failures} attempt${state.failures === 1 ? "" : "s"}`;
  const request = {
    reason: `step "${id}" failed after ${attempts}: ${state.lastError.message}`,
    queue: "errors",
    tried: [`${attempts} of "${id}"`],
  };
  return escalationTask(r, id, request, { error: { ...state.lastError, attempts: state.failures } }, [
    "retry",
    "resolve",
  ]);
}
