/**
 * An operator's actions on a case beside the decisions its tasks ask for: run a failed step again, cancel the case,
 * move a person's task to another queue. Each is checked against the case as it stands, audited with who did it and
 * why, and idempotent: the same operation id (the API's Idempotency-Key) is answered `duplicate` and changes nothing.
 * Each function runs inside the case's storage transaction.
 *
 * A cancelled case ends as `resolved` with the outcome `cancelled`, by the person who cancelled it: the engine's
 * status model has two ends (resolved, failed), and `failed` would count an operator's choice as an error in the
 * error-rate KPI and its alerts. It is not autonomous either (it counts as touched by a person, no minutes saved),
 * and the outcome mix shows it under its own label.
 */
import {
  type CaseStatus,
  isHumanWait,
  type PendingWait,
  TERMINAL_STATUSES,
  type WorkflowDefinition,
} from "../engine/index.ts";
import { actorLabel, humanActor } from "./actors.ts";
import { recordDecision } from "./decisions.ts";
import { metricFor } from "./metric-event.ts";
import type { CaseStorage } from "./storage.ts";

/** The outcome a cancelled case ends with (its status is `resolved`; see the module's note). */
export const CANCELLED_OUTCOME = "cancelled";

/** Who acts: the person (named by the dashboard's server, or a key's holder) with the roles they act with. */
export interface OperationActor {
  id: string;
  roles: string[];
}

interface OperationBase {
  /** Makes a resubmission a no-op (the API's Idempotency-Key, or a fresh id). */
  id: string;
  actor: OperationActor;
  /** Why, in the operator's words: kept in the audit trail. */
  reason: string;
  /** The API key it came through. */
  via?: string;
}

export type CaseOperation =
  | (OperationBase & { kind: "retry" })
  | (OperationBase & { kind: "cancel" })
  | (OperationBase & { kind: "reassign"; queue: string });

export interface OperationRefusal {
  status: 403 | 409;
  code: "case_ended" | "nothing_to_retry" | "no_task" | "not_authorized";
  message: string;
}

export type OperationResult =
  | { status: "accepted" | "duplicate"; caseStatus: CaseStatus; wake: boolean }
  | { status: "refused"; refusal: OperationRefusal };

/** The audit actions operations write (each carries `operationId` in its detail). */
export const OPERATION_ACTIONS = {
  retry: "case.retried",
  cancel: "case.cancelled",
  reassign: "task.reassigned",
} as const;

/**
 * The queue an operator moved the task of `wait` to, if they did since it began and the engine has not moved it on
 * since (an SLA breach that requeues the task wins over an earlier reassignment). The engine rebuilds a waiting
 * task from the workflow's declaration on each run; this keeps an operator's choice across those runs.
 */
export function reassignedQueue(store: CaseStorage, wait: PendingWait): string | null {
  if (!isHumanWait(wait)) return null;
  let queue: string | null = null;
  for (const entry of store.auditEntries()) {
    if (entry.stepId !== wait.stepId) continue;
    const detail = entry.detail as { waitStartedAt?: number; to?: string } | undefined;
    if (entry.action === OPERATION_ACTIONS.reassign && detail?.waitStartedAt === wait.startedAt)
      queue = detail.to ?? null;
    // The engine moved the task on itself (its SLA passed) after the reassignment: its declared next queue stands.
    else if (entry.action === "task.requeued") queue = null;
  }
  return queue;
}

/** The wait as the case shows it: the engine's task, in the queue an operator moved it to. */
export function withReassignment(store: CaseStorage, wait: PendingWait): PendingWait {
  const queue = reassignedQueue(store, wait);
  return queue !== null && isHumanWait(wait) ? { ...wait, human: { ...wait.human, queue } } : wait;
}

const done = (store: CaseStorage, operationId: string): boolean =>
  store.auditEntries().some((e) => (e.detail as { operationId?: unknown } | undefined)?.operationId === operationId);

/** Applies `op` to the case in `store`, or refuses it; null when there is no case. `wake`: the case must run now. */
export function applyOperation(
  store: CaseStorage,
  op: CaseOperation,
  now: number,
  workflows: readonly WorkflowDefinition[],
): OperationResult | null {
  const header = store.header();
  if (!header) return null;
  if (done(store, op.id)) return { status: "duplicate", caseStatus: header.status, wake: false };
  const actor = humanActor(op.actor.id);
  const base = { operationId: op.id, reason: op.reason, ...(op.via ? { via: op.via } : {}) };
  const wait = header.wait;
  switch (op.kind) {
    case "cancel": {
      if (header.status === "resolved" && header.outcome === CANCELLED_OUTCOME)
        return { status: "duplicate", caseStatus: header.status, wake: false };
      if (TERMINAL_STATUSES.includes(header.status))
        return refused(409, "case_ended", `the case already ended (${header.status}); there is nothing to cancel`);
      store.updateHeader({ status: "resolved", at: now, closedAt: now, outcome: CANCELLED_OUTCOME });
      store.appendAudit({
        at: now,
        actor,
        action: OPERATION_ACTIONS.cancel,
        stepId: wait?.stepId,
        detail: { ...base, from: header.status },
      });
      store.queueMetric(
        metricFor(
          header,
          "case.resolved",
          now,
          {
            status: "resolved",
            durationMs: now - header.openedAt,
            humanTouch: true,
            actor: actorLabel(actor),
            detail: { outcome: CANCELLED_OUTCOME, minutesSaved: 0, cancelled: true },
          },
          op.id,
        ),
      );
      return { status: "accepted", caseStatus: "resolved", wake: true };
    }
    case "reassign": {
      if (!isHumanWait(wait))
        return refused(409, "no_task", "the case is not waiting for a person: there is no task to reassign");
      if (wait.human.queue === op.queue) return { status: "duplicate", caseStatus: header.status, wake: false };
      store.updateHeader({
        status: header.status,
        at: now,
        wait: { ...wait, human: { ...wait.human, queue: op.queue } },
      });
      store.appendAudit({
        at: now,
        actor,
        action: OPERATION_ACTIONS.reassign,
        stepId: wait.stepId,
        detail: { ...base, from: wait.human.queue, to: op.queue, waitStartedAt: wait.startedAt },
      });
      return { status: "accepted", caseStatus: header.status, wake: false };
    }
    case "retry":
      return retry(store, op, now, base, workflows);
  }
}

/**
 * Runs the failed part again: a step whose attempts ran out and went to a person gets a fresh round of attempts (the
 * person's `retry` decision, with the reason as its note); a failed case runs again from its journal, so it resumes at
 * the step where it stopped (its last error stays recorded until it ends again).
 */
function retry(
  store: CaseStorage,
  op: CaseOperation,
  now: number,
  base: Record<string, unknown>,
  workflows: readonly WorkflowDefinition[],
): OperationResult {
  const header = store.header()!;
  const wait = header.wait;
  if (isHumanWait(wait) && wait.human.allowed.includes("retry")) {
    const decided = recordDecision(
      store,
      {
        id: op.id,
        stepId: wait.stepId,
        decision: "retry",
        actor: op.actor,
        note: op.reason,
        ...(op.via ? { via: op.via } : {}),
      },
      now,
      workflows,
    );
    if (decided?.status === "refused") {
      const { status, code, message } = decided.refusal;
      return status === 403
        ? refused(403, "not_authorized", message)
        : refused(409, code === "wait_ended" ? "nothing_to_retry" : "case_ended", message);
    }
    store.appendAudit({
      at: now,
      actor: humanActor(op.actor.id),
      action: OPERATION_ACTIONS.retry,
      stepId: wait.stepId,
      detail: { ...base, from: header.status, failure: wait.human.packet.error ?? null },
    });
    return { status: "accepted", caseStatus: header.status, wake: true };
  }
  if (header.status !== "failed")
    return refused(
      409,
      "nothing_to_retry",
      `the case is ${header.status}: only a failed case, or a step that failed over to a person, can be retried`,
    );
  const failure = store
    .auditEntries()
    .filter((e) => e.action === "case.failed")
    .at(-1)?.stepId;
  // A step left in backoff when the case failed starts a fresh round of attempts.
  if (failure && store.retries()[failure]) store.clearRetry(failure);
  store.updateHeader({ status: "running", at: now });
  store.appendAudit({
    at: now,
    actor: humanActor(op.actor.id),
    action: OPERATION_ACTIONS.retry,
    stepId: failure,
    detail: { ...base, from: "failed", error: header.error },
  });
  store.queueMetric(metricFor(header, "case.status", now, { status: "running" }, op.id));
  return { status: "accepted", caseStatus: "running", wake: true };
}

const refused = (status: OperationRefusal["status"], code: OperationRefusal["code"], message: string) =>
  ({ status: "refused", refusal: { status, code, message } }) as const;
