/**
 * How each result of the pure core lands in a case's storage: the state change, its audit entry and its metric
 * event, written together in one transaction by the caller, so none of the three exists without the others.
 */
import {
  type Advance,
  digest,
  type HumanDecision,
  isHumanWait,
  type PendingWait,
  type RetryState,
} from "../engine/index.ts";
import type { WorkflowMeasures } from "../metrics/index.ts";
import { actorLabel, ENGINE, humanActor, ruleActor } from "./actors.ts";
import { aloneTag, autonomyReport, type DeclaresAutonomy } from "./autonomy-evidence.ts";
import { metricFor } from "./metric-event.ts";
import { withReassignment } from "./operations.ts";
import type { CaseHeader, CaseStorage } from "./storage.ts";

/** The status a case has while parked on `wait`: a hand-off to a person is `escalated`, anything else `waiting`. */
const parkedStatus = (wait: PendingWait) =>
  isHumanWait(wait) && wait.human.kind === "escalation" ? "escalated" : "waiting";

/** Records that the case parked on `wait` (audit + metric once per wait; the header every time). */
function park(store: CaseStorage, header: CaseHeader, engineWait: PendingWait, at: number): void {
  // The task in the queue an operator moved it to, if they did (the engine rebuilds it from the declaration).
  const wait = withReassignment(store, engineWait);
  const status = parkedStatus(wait);
  // `wait` is cleared whenever the case leaves a wait, so a different step or start means a new one.
  if (header.wait?.stepId !== wait.stepId || header.wait.startedAt !== wait.startedAt) {
    const actor = ruleActor(header);
    if (isHumanWait(wait)) {
      const { human } = wait;
      const detail = {
        queue: human.queue,
        role: human.role,
        reason: human.packet.reason,
        proposedAction: human.packet.proposedAction,
        slaDeadline: human.slaDeadline,
        approvals: human.approvals,
        failure: human.packet.error !== undefined,
        // The action proposed and the autonomy level that made the agent ask.
        ...(human.autonomy ? { autonomy: human.autonomy } : {}),
        // A customer's message handed to a person: counted among the conversation's escalations.
        ...(human.turn ? { turn: human.turn } : {}),
      };
      store.appendAudit({
        at,
        actor,
        action: human.kind === "escalation" ? "case.escalated" : "approval.requested",
        stepId: wait.stepId,
        inputDigest: digest(human.packet),
        detail,
      });
      const kind = human.kind === "escalation" ? "case.escalated" : "case.status";
      store.queueMetric(
        metricFor(
          header,
          kind,
          at,
          {
            status,
            stepId: wait.stepId,
            detail: { queue: human.queue, reason: human.packet.reason, failure: human.packet.error !== undefined },
          },
          String(wait.startedAt),
        ),
      );
    } else {
      store.appendAudit({
        at,
        actor,
        action: wait.kind === "sleep" ? "case.sleeping" : "case.waiting",
        stepId: wait.stepId,
        detail: { sources: [...wait.sources], types: [...wait.types], deadline: wait.deadline },
      });
      store.queueMetric(metricFor(header, "case.status", at, { status, stepId: wait.stepId }, String(wait.startedAt)));
    }
  }
  store.updateHeader({ status, at, wait });
}

/**
 * Records a breach of a waiting task's SLA (audited `sla.breached`, and `task.requeued` when it moved to its next
 * queue; one metric event for the rollups) or the notice of one (`sla.notified`, or `sla.notice_failed` once it gave
 * up). The case stays parked on the task as it now stands, so the inbox shows its new queue and deadline.
 */
function recordSla(
  store: CaseStorage,
  header: CaseHeader,
  next: Extract<Advance, { kind: "sla" }>,
  at: number,
  retriesBefore: Readonly<Record<string, RetryState>>,
): void {
  const { record, wait, breach, notice } = next;
  store.appendStep(record);
  store.finishAttempt(record.id, "succeeded", at);
  if (retriesBefore[record.id]) store.clearRetry(record.id);
  const actor = ruleActor(header);
  const where = { queue: breach.queue, hop: breach.hop, deadline: breach.deadline };
  if (notice) {
    const detail = { ...where, notifier: notice.notifier, ...(notice.error ? { error: notice.error } : {}) };
    store.appendAudit({
      at,
      actor,
      action: notice.error ? "sla.notice_failed" : "sla.notified",
      stepId: wait.stepId,
      outputDigest: digest(notice.sent ?? null),
      detail,
    });
  } else {
    store.appendAudit({
      at,
      actor,
      action: "sla.breached",
      stepId: wait.stepId,
      detail: { ...where, role: breach.role, lateMs: breach.lateMs, movedTo: breach.movedTo?.queue ?? null },
    });
    if (breach.movedTo)
      store.appendAudit({
        at,
        actor,
        action: "task.requeued",
        stepId: wait.stepId,
        detail: { from: breach.queue, ...breach.movedTo },
      });
    store.queueMetric(
      metricFor(
        header,
        "sla.breached",
        at,
        { stepId: wait.stepId, detail: { ...where, lateMs: breach.lateMs, movedTo: breach.movedTo?.queue ?? null } },
        `${breach.waitStartedAt}#${breach.hop}`,
      ),
    );
  }
  store.updateHeader({ status: parkedStatus(wait), at, wait: withReassignment(store, wait) });
}

/**
 * Persists one result of `advanceCase`. Returns true when the case parked or ended (the burst stops there); an SLA
 * record keeps the case parked but lets the burst go on (the breach's notice may be due next).
 * `retriesBefore` is the step's retry state the core was given, to tell a new failure from an early wake-up;
 * `measures` the workflow's declared human cost (for the minutes-saved figure of a resolution).
 */
export function applyAdvance(
  store: CaseStorage,
  header: CaseHeader,
  next: Advance,
  at: number,
  retriesBefore: Readonly<Record<string, RetryState>>,
  measures?: WorkflowMeasures & DeclaresAutonomy,
): boolean {
  switch (next.kind) {
    case "retry": {
      const { stepId, retry } = next;
      const before = retriesBefore[stepId];
      if (before && before.failures === retry.failures && before.notBefore === retry.notBefore) return true; // woken early: nothing new
      store.setRetry(stepId, retry);
      store.finishAttempt(stepId, "failed", at);
      store.appendAudit({
        at,
        actor: ruleActor(header),
        action: "step.attempt_failed",
        stepId,
        detail: { failures: retry.failures, retryAt: retry.notBefore, error: retry.lastError },
      });
      store.queueMetric(
        metricFor(
          header,
          "step.retried",
          at,
          { stepId, detail: { failures: retry.failures, ...retry.lastError } },
          `${retry.failures}@${at}`,
        ),
      );
      if (header.status !== "running") store.updateHeader({ status: "running", at });
      return true;
    }
    case "failed":
      store.updateHeader({ status: "failed", at, closedAt: at, error: `${next.error.name}: ${next.error.message}` });
      store.appendAudit({
        at,
        actor: ENGINE,
        action: "case.failed",
        stepId: next.error.stepId,
        detail: { error: next.error },
      });
      store.queueMetric(
        metricFor(header, "case.failed", at, {
          status: "failed",
          durationMs: at - header.openedAt,
          actor: actorLabel(ENGINE),
          detail: next.error,
        }),
      );
      return true;
    case "waiting":
      if (next.retry) {
        const { stepId, state } = next.retry;
        // Final: the step was handed to a person. Otherwise an SLA notice failed and is tried again at `retryAt`.
        const final = state.escalatedAfterSeq !== undefined;
        store.setRetry(stepId, state);
        store.finishAttempt(stepId, "failed", at);
        store.appendAudit({
          at,
          actor: ruleActor(header),
          action: "step.attempt_failed",
          stepId,
          detail: {
            failures: state.failures,
            error: state.lastError,
            ...(final ? { final } : { retryAt: state.notBefore }),
          },
        });
      }
      park(store, header, next.wait, at);
      return true;
    case "sla":
      recordSla(store, header, next, at, retriesBefore);
      return false;
    case "step":
    case "resolved": {
      const { record } = next;
      store.appendStep(record);
      store.finishAttempt(record.id, "succeeded", at);
      if (retriesBefore[record.id]) store.clearRetry(record.id);
      const durationMs = record.finishedAt - record.startedAt;
      const action =
        record.kind === "waitFor" || record.kind === "ask"
          ? record.eventSeq !== undefined
            ? "wait.matched"
            : record.output === null
              ? "wait.timed_out"
              : "step.completed"
          : "step.completed";
      const actor = record.audit?.actor ?? ruleActor(header);
      store.appendAudit({
        at,
        actor,
        action,
        stepId: record.id,
        outputDigest: digest(record.output ?? null),
        detail: { kind: record.kind, durationMs },
      });
      for (const entry of record.audit?.entries ?? [])
        store.appendAudit({ at, actor, action: entry.action, stepId: record.id, detail: entry.detail });
      // An agent step names its model, so the dashboard can say which one decided (and when it is the offline rules).
      const model = actor.kind === "model" ? { model: actor.id } : {};
      // An action the agent took alone under an autonomy ladder is evidence for its level.
      const alone = aloneTag(record.audit?.entries);
      const autonomy = alone ? { autonomy: autonomyReport(alone, "alone", measures) } : {};
      store.queueMetric(
        metricFor(header, "step.completed", at, {
          stepId: record.id,
          durationMs,
          actor: actorLabel(actor),
          detail: { kind: record.kind, ...model, ...autonomy },
        }),
      );
      if (next.kind === "step") {
        if (header.status !== "running") store.updateHeader({ status: "running", at });
        return false;
      }
      const humanTouch = store.hasHumanDecisions();
      // A case a person resolved names them as the actor of its resolution.
      const resolver =
        record.kind === "escalate" ? humanActor((record.output as HumanDecision).actor.id) : ruleActor(header);
      store.updateHeader({ status: "resolved", at, closedAt: at, outcome: next.outcome.outcome });
      store.appendAudit({
        at,
        actor: resolver,
        action: "case.resolved",
        stepId: record.id,
        // The resolution's detail (plan, amounts) too: the case's business result is measured from its trail alone.
        detail: {
          outcome: next.outcome.outcome,
          humanTouch,
          ...(next.outcome.detail ? { result: next.outcome.detail } : {}),
        },
      });
      const minutesSaved = humanTouch ? 0 : (measures?.minutesPerCase ?? 0);
      store.queueMetric(
        metricFor(header, "case.resolved", at, {
          status: "resolved",
          durationMs: at - header.openedAt,
          humanTouch,
          actor: actorLabel(resolver),
          detail: { outcome: next.outcome.outcome, minutesSaved },
        }),
      );
      return true;
    }
  }
}
