/**
 * A person's decision reaching a case: checked against the task it answers (role, two-person rule, no self-approval,
 * one decision per person, the wait still open), stored as a case event the engine replays, audited, and measured.
 * Each function runs inside the case's storage transaction.
 */
import {
  type DecisionRefusal,
  decisionsFor,
  digest,
  HUMAN_DECISION_TYPE,
  HUMAN_SOURCE,
  type HumanDecision,
  refuseDecision,
  type WorkflowDefinition,
} from "../engine/index.ts";
import { decisionMinutes } from "../metrics/index.ts";
import { actorLabel, humanActor } from "./actors.ts";
import { autonomyReport } from "./autonomy-evidence.ts";
import { metricFor } from "./metric-event.ts";
import type { CaseStorage } from "./storage.ts";

/** A person's decision as the case API hands it over; `id` makes a resubmission a no-op. */
export type DecisionInput = HumanDecision & { id: string };
export type DecisionResult = { status: "accepted" | "duplicate" } | { status: "refused"; refusal: DecisionRefusal };

/** Stores `input` as the person's decision, or refuses it (audited); null when there is no case. */
export function recordDecision(
  store: CaseStorage,
  input: DecisionInput,
  now: number,
  workflows: readonly WorkflowDefinition[],
): DecisionResult | null {
  const header = store.header();
  if (!header) return null;
  if (store.hasEvent(HUMAN_SOURCE, input.id)) return { status: "duplicate" };
  const { id, ...decision } = input;
  // Only decisions since the step was last handed over count (a step can fail back to a person).
  const since = store.retries()[decision.stepId]?.escalatedAfterSeq ?? 0;
  const measures = workflows.find((w) => w.id === header.workflowId && w.version === header.workflowVersion);
  // A case that ended has no wait, so every decision for it is refused as `wait_ended`.
  const earlier = decisionsFor(store.events(), decision.stepId, since);
  const refusal = refuseDecision(header.wait, decision, earlier, measures?.outcomes);
  if (refusal) {
    store.appendAudit({
      at: now,
      actor: humanActor(decision.actor.id),
      action: "human.decision_refused",
      stepId: decision.stepId,
      detail: {
        decision: decision.decision,
        code: refusal.code,
        reason: refusal.message,
        ...(decision.via ? { via: decision.via } : {}),
      },
    });
    return { status: "refused", refusal };
  }
  const payloadJson = JSON.stringify(decision);
  // A decision on the agent's proposal of a consequential action records the autonomy level it was proposed at.
  const tag = header.wait?.kind === "human" ? header.wait.human?.autonomy : undefined;
  store.insertEvent({
    id,
    source: HUMAN_SOURCE,
    type: HUMAN_DECISION_TYPE,
    receivedAt: now,
    caseKey: header.caseKey,
    workflow: { id: header.workflowId, version: header.workflowVersion },
    opens: false,
    payloadJson,
  });
  store.appendAudit({
    at: now,
    actor: humanActor(decision.actor.id),
    action: "human.decision",
    stepId: decision.stepId,
    inputDigest: digest(payloadJson),
    detail: {
      decision: decision.decision,
      roles: [...decision.actor.roles],
      ...(decision.outcome ? { outcome: decision.outcome } : {}),
      ...(decision.note ? { note: decision.note } : {}),
      ...(decision.minutesSpent !== undefined ? { minutesSpent: decision.minutesSpent } : {}),
      ...(decision.via ? { via: decision.via } : {}),
      ...(tag ? { autonomy: tag } : {}),
    },
  });
  const minutes = decisionMinutes(decision.minutesSpent, measures);
  store.queueMetric(
    metricFor(
      header,
      "human.decision",
      now,
      {
        stepId: decision.stepId,
        humanTouch: true,
        actor: actorLabel(humanActor(decision.actor.id)),
        detail: {
          decision: decision.decision,
          minutes,
          ...(tag && (decision.decision === "approve" || decision.decision === "reject")
            ? { autonomy: autonomyReport(tag, decision.decision === "approve" ? "approved" : "rejected", measures) }
            : {}),
        },
      },
      id,
    ),
  );
  return { status: "accepted" };
}

/** Audits a human action refused before it became a decision (a malformed body); false when there is no case. */
export function recordRefusedAction(
  store: CaseStorage,
  actorId: string | null,
  refusal: { code: string; message: string },
  now: number,
): boolean {
  if (!store.header()) return false;
  store.appendAudit({
    at: now,
    actor: humanActor(actorId ?? "unknown"),
    action: "human.decision_refused",
    detail: { code: refusal.code, reason: refusal.message },
  });
  return true;
}
