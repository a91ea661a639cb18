/**
 * Human decisions: how a person's approval or resolution reaches a case, and the rules it must pass first.
 * Decisions are stored as case events of their own source, so they are durable, ordered and replayed like
 * any other event; the same checks run in every shell before one is accepted.
 */
import type { CaseEvent, DeclaredOutcome, HumanDecision, HumanDecisionKind, HumanTask, PendingWait } from "./types.ts";

/** The source of decision events; never a webhook source, so no sender can forge one. */
export const HUMAN_SOURCE = "crossflow.human";
export const HUMAN_DECISION_TYPE = "decision";

/**
 * The decisions recorded for `stepId`, oldest first; only those after event `afterSeq` when given.
 * @example decisionsFor(events, "refund-approval") // → [{ decision: "approve", actor: { id: "ops-7", ... } }]
 */
export function decisionsFor(events: readonly CaseEvent[], stepId: string, afterSeq = 0): HumanDecision[] {
  return events
    .filter(
      (e) => e.source === HUMAN_SOURCE && e.seq > afterSeq && (e.payload as HumanDecision | null)?.stepId === stepId,
    )
    .map((e) => e.payload as HumanDecision);
}

export type DecisionRefusal = {
  status: 403 | 409 | 422;
  code:
    | "wait_ended"
    | "decision_not_allowed"
    | "outcome_not_declared"
    | "not_authorized"
    | "self_approval"
    | "already_decided";
  message: string;
};

/**
 * Why `decision` may not be applied to a case parked on `wait`, or null when it may. `earlier` are the
 * decisions already recorded for the wait's step; `outcomes`: the workflow's declared outcomes, when it declares them
 * (a `resolve` must name one of them).
 * @example refuseDecision(wait, { stepId: "refund", decision: "approve", actor: { id: "ada", roles: ["viewer"] } }, [])
 * // → { status: 403, code: "not_authorized", message: "approving refund needs the operator role; ada has viewer" }
 */
export function refuseDecision(
  wait: PendingWait | null,
  decision: HumanDecision,
  earlier: readonly HumanDecision[],
  outcomes?: readonly DeclaredOutcome[],
): DecisionRefusal | null {
  const task: HumanTask | undefined =
    wait?.kind === "human" && wait.stepId === decision.stepId ? wait.human : undefined;
  if (!task) {
    return {
      status: 409,
      code: "wait_ended",
      message: `the case is not waiting for a decision on step "${decision.stepId}"`,
    };
  }
  if (!task.allowed.includes(decision.decision)) {
    return {
      status: 422,
      code: "decision_not_allowed",
      message: `"${decision.decision}" is not a decision for this ${task.kind}; allowed: ${task.allowed.join(", ")}`,
    };
  }
  if (decision.decision === "resolve" && outcomes && !outcomes.some((o) => o.label === decision.outcome)) {
    return {
      status: 422,
      code: "outcome_not_declared",
      message: `"${decision.outcome ?? ""}" is not an outcome this workflow declares; allowed: ${outcomes.map((o) => o.label).join(", ")}`,
    };
  }
  if (!decision.actor.roles.includes(task.role)) {
    const roles = decision.actor.roles.length > 0 ? decision.actor.roles.join(", ") : "no role";
    return {
      status: 403,
      code: "not_authorized",
      message: `deciding "${decision.stepId}" needs the ${task.role} role; ${decision.actor.id} has ${roles}`,
    };
  }
  if (task.kind === "approval" && decision.decision === "approve" && task.requestedBy === decision.actor.id) {
    return {
      status: 403,
      code: "self_approval",
      message: `${decision.actor.id} requested "${decision.stepId}" and cannot approve it`,
    };
  }
  if (earlier.some((d) => d.actor.id === decision.actor.id)) {
    return {
      status: 409,
      code: "already_decided",
      message: `${decision.actor.id} has already decided "${decision.stepId}"`,
    };
  }
  return null;
}

/** An approval's verdict from its decisions: any rejection rejects; enough distinct approvers approve. */
export function approvalVerdict(
  task: Pick<HumanTask, "approvals">,
  decisions: readonly HumanDecision[],
): "approved" | "rejected" | null {
  if (decisions.some((d) => d.decision === "reject")) return "rejected";
  const approvers = new Set(decisions.filter((d) => d.decision === "approve").map((d) => d.actor.id));
  return approvers.size >= task.approvals ? "approved" : null;
}

export const isHumanWait = (wait: PendingWait | null): wait is PendingWait & { human: HumanTask } =>
  wait?.kind === "human" && wait.human !== undefined;

export type { HumanDecisionKind };
