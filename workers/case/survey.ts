/**
 * The satisfaction survey of a resolved case (`WorkflowHeader.satisfaction`) in the case's storage: each result of the
 * engine's `advanceSurvey` lands with its audit entry and metric event in one transaction, as a step's do
 * (transitions.ts). The case stays `resolved` throughout; only its header's wait (the reply awaited) and `updatedAt`
 * move, never `closedAt` or the outcome, so time to resolution and every resolution KPI stay as they were.
 */
import { digest, type SurveyAdvance, type SurveyResult } from "../engine/index.ts";
import { ENGINE } from "./actors.ts";
import { metricFor } from "./metric-event.ts";
import type { CaseHeader, CaseStorage } from "./storage.ts";

/** The audit action and metric kind of each way a survey ends. */
const ENDINGS = {
  answered: "satisfaction.answered",
  unreadable: "satisfaction.unreadable",
  unanswered: "satisfaction.unanswered",
  "not-sent": "satisfaction.not_sent",
} as const satisfies Record<SurveyResult["status"], string>;

/**
 * Persists one survey result. Returns true when the survey parked, backed off or ended (the burst stops there).
 * @example const stop = store.atomically(() => applySurvey(store, header, next, now));
 */
export function applySurvey(store: CaseStorage, header: CaseHeader, next: SurveyAdvance, at: number): boolean {
  switch (next.kind) {
    case "done":
      if (header.wait) store.updateHeader({ status: header.status, at });
      return true;
    case "retry":
      store.setRetry(next.stepId, next.retry);
      store.finishAttempt(next.stepId, "failed", at);
      store.appendAudit({
        at,
        actor: ENGINE,
        action: "step.attempt_failed",
        stepId: next.stepId,
        detail: { failures: next.retry.failures, retryAt: next.retry.notBefore, error: next.retry.lastError },
      });
      return true;
    case "waiting":
      // Parked on the reply, still resolved: the wait only tells the runtime when to wake and which events to take.
      if (header.wait?.stepId !== next.wait.stepId) store.updateHeader({ status: header.status, at, wait: next.wait });
      return true;
    case "step": {
      const { record, result } = next;
      store.appendStep(record);
      store.finishAttempt(record.id, result?.status === "not-sent" ? "failed" : "succeeded", at);
      store.clearRetry(record.id);
      if (!result) {
        const sent = record.output as { channel?: string; text?: string };
        store.appendAudit({
          at,
          actor: ENGINE,
          action: "satisfaction.asked",
          stepId: record.id,
          outputDigest: digest(record.output ?? null),
          detail: { channel: sent.channel ?? null, question: sent.text ?? null },
        });
        store.queueMetric(metricFor(header, "satisfaction.asked", at, { stepId: record.id }));
        return false;
      }
      const detail =
        result.status === "answered"
          ? { score: result.score, eventSeq: result.replySeq }
          : result.status === "unreadable"
            ? { eventSeq: result.replySeq }
            : result.status === "not-sent"
              ? { error: result.error }
              : {};
      store.appendAudit({ at, actor: ENGINE, action: ENDINGS[result.status], stepId: record.id, detail });
      if (result.status !== "not-sent")
        store.queueMetric(
          metricFor(header, ENDINGS[result.status], at, {
            stepId: record.id,
            detail: result.status === "answered" ? { score: result.score } : {},
          }),
        );
      // The reply is no longer awaited.
      store.updateHeader({ status: header.status, at });
      return true;
    }
  }
}
