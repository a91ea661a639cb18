/**
 * Writes a case's metric events and its summary row to the metrics database in one transaction.
 * Event ids are deterministic, so a retried flush inserts nothing twice.
 */
import { sql } from "drizzle-orm";
import type { MetricsDatabase } from "../../db/client.ts";
import { cases, metricEvents, type CaseStatus } from "../../db/schema.ts";

export interface MetricEvent {
  id: string;
  caseId: string;
  caseKey: string;
  workflowId: string;
  workflowVersion: number;
  kind: "case.opened" | "case.status" | "step.completed" | "step.retried" | "case.escalated" | "human.decision" | "case.resolved" | "case.failed";
  status?: CaseStatus;
  stepId?: string;
  at: number;
  durationMs?: number;
  humanTouch: boolean;
  detail?: Record<string, unknown>;
}

export interface CaseSnapshot {
  /** `<workflow>/<case key>`: cases are per workflow. */
  caseId: string;
  caseKey: string;
  workflowId: string;
  workflowVersion: number;
  status: CaseStatus;
  openedAt: number;
  updatedAt: number;
  closedAt: number | null;
  outcome: string | null;
  humanTouch: boolean;
}

/**
 * @example
 * await writeMetrics(openDatabase({ url }), outboxEvents, caseSnapshot);
 */
export async function writeMetrics(db: MetricsDatabase, events: readonly MetricEvent[], snapshot: CaseSnapshot): Promise<void> {
  const { caseId: _id, ...summary } = snapshot;
  const upsertCase = db
    .insert(cases)
    .values(snapshot)
    .onConflictDoUpdate({
      target: cases.caseId,
      set: summary,
      // A late flush of an older snapshot must never move a case backwards.
      setWhere: sql`${cases.updatedAt} <= excluded.updated_at`,
    });
  if (events.length === 0) {
    await upsertCase;
    return;
  }
  const insertEvents = db
    .insert(metricEvents)
    .values(events.map((e) => ({ ...e, status: e.status ?? null, stepId: e.stepId ?? null, durationMs: e.durationMs ?? null, detail: e.detail ?? null })))
    .onConflictDoNothing({ target: metricEvents.id });
  await db.batch([insertEvents, upsertCase]);
}
