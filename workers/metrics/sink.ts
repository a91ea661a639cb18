/**
 * Writes metric batches (a case's events plus its summary row) to the metrics database, all batches of one call in
 * one transaction. Event ids are deterministic and the summary upsert refuses an older snapshot, so a redelivered
 * batch inserts nothing twice and never moves a case backwards; the rollup triggers follow the summary rows.
 */
import { sql } from "drizzle-orm";
import type { MetricsDatabase } from "../../db/client.ts";
import { cases, metricEvents } from "../../db/schema.ts";
import type { CaseFacts } from "./facts.ts";
import type { CaseStatus } from "../engine/types.ts";

export const METRIC_KINDS = ["case.opened", "case.status", "step.completed", "step.retried", "case.escalated", "human.decision", "case.resolved", "case.failed"] as const;

export interface MetricEvent {
  id: string;
  caseId: string;
  caseKey: string;
  workflowId: string;
  workflowVersion: number;
  kind: (typeof METRIC_KINDS)[number];
  status?: CaseStatus;
  stepId?: string;
  at: number;
  durationMs?: number;
  humanTouch: boolean;
  /** `kind:id` of who acted (see db/schema.ts). */
  actor?: string;
  /** The case's exception type once known (stamped when the batch is sent). */
  exception?: string | null;
  detail?: Record<string, unknown>;
}

/** The case summary row the dashboard reads: the header's times and status plus the measured facts. */
export interface CaseSnapshot extends CaseFacts {
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
  /** The case's last audit sequence number: every change of its facts or status is an audit entry. */
  revision: number;
}

/** What a case object sends: the events since its last report and its summary as of now. */
export interface MetricBatch {
  events: MetricEvent[];
  snapshot: CaseSnapshot;
}

/** libSQL over HTTP caps a request's size; a transaction of this many rows stays well inside it. */
const ROWS_PER_STATEMENT = 200;

/**
 * @example
 * await writeMetricBatches(openDatabase({ url }), [{ events, snapshot }]);
 */
export async function writeMetricBatches(db: MetricsDatabase, batches: readonly MetricBatch[]): Promise<void> {
  const rows = batches.flatMap((b) =>
    b.events.map((e) => ({ ...e, status: e.status ?? null, stepId: e.stepId ?? null, durationMs: e.durationMs ?? null, actor: e.actor ?? null, exception: e.exception ?? null, detail: e.detail ?? null })),
  );
  const statements = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    statements.push(db.insert(metricEvents).values(rows.slice(i, i + ROWS_PER_STATEMENT)).onConflictDoNothing({ target: metricEvents.id }));
  }
  // Oldest snapshot first: when one batch holds two reports of a case, the newer one is the one that stays.
  for (const { snapshot } of [...batches].sort((a, b) => a.snapshot.revision - b.snapshot.revision)) {
    const { caseId: _id, ...summary } = snapshot;
    statements.push(
      db
        .insert(cases)
        .values(snapshot)
        .onConflictDoUpdate({
          target: cases.caseId,
          set: summary,
          // A late delivery of an older snapshot must never move a case backwards.
          setWhere: sql`${cases.revision} <= excluded.revision`,
        }),
    );
  }
  const [first, ...rest] = statements;
  if (!first) return;
  await db.batch([first, ...rest]);
}
