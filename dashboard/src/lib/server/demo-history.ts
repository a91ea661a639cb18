/**
 * The local demo history (`npm start` loads 30 days of it into an empty database; scripts/demo-history/): whether the
 * figures include it, for the banner every page shows, and a history case's generated summary, since no case object
 * holds a history case and the case page has no journal to read.
 */
import { sql } from "drizzle-orm";
import type { MetricsDatabase } from "$db/client.ts";
import type { HistoryAuditEntry } from "$db/schema.ts";

export interface DemoHistoryNotice {
  cases: number;
  /** The first and last day its cases opened (epoch ms of the first and last opening). */
  from: number;
  to: number;
}

/**
 * What the banner says, or null when the database holds no demo history.
 * @example const notice = await demoHistoryNotice(metricsDb()); // → { cases: 691, from, to }
 */
export async function demoHistoryNotice(db: MetricsDatabase): Promise<DemoHistoryNotice | null> {
  const [row] = await db.all<{ n: number; first: number | null; last: number | null }>(
    sql`SELECT count(*) AS n, min(c.opened_at) AS first, max(c.opened_at) AS last
        FROM demo_history h JOIN cases c ON c.case_id = h.case_id`,
  );
  const cases = Number(row?.n ?? 0);
  return cases > 0 ? { cases, from: Number(row!.first), to: Number(row!.last) } : null;
}

export interface HistoryCaseSummary {
  caseId: string;
  caseKey: string;
  workflowId: string;
  workflowVersion: number;
  status: string;
  openedAt: number;
  closedAt: number | null;
  outcome: string | null;
  exception: string | null;
  humanDecisions: number;
  humanMinutes: number;
  slaBreaches: number;
  /** The case's audit trail as the history's run wrote it (who did what, when). */
  trail: HistoryAuditEntry[];
}

/**
 * A history case of `workflowId` under `caseKey` (the key's first case: history keys never repeat), or null when it
 * is not part of the demo history.
 * @example const summary = await historyCase(metricsDb(), "refund-dispute", "customer:customer12@history.example");
 */
export async function historyCase(
  db: MetricsDatabase,
  workflowId: string,
  caseKey: string,
): Promise<HistoryCaseSummary | null> {
  // `all`, not `get`: drizzle's libSQL `get` throws on no row, and most keys are not history.
  const [row] = await db.all<Record<string, string | number | null>>(
    sql`SELECT c.case_id, c.case_key, c.workflow_id, c.workflow_version, c.status, c.opened_at, c.closed_at, c.outcome,
               c.exception, c.human_decisions, c.human_minutes, c.sla_breaches, h.audit
        FROM demo_history h JOIN cases c ON c.case_id = h.case_id
        WHERE h.workflow_id = ${workflowId} AND h.case_key = ${caseKey}`,
  );
  if (!row) return null;
  return {
    caseId: String(row.case_id),
    caseKey: String(row.case_key),
    workflowId: String(row.workflow_id),
    workflowVersion: Number(row.workflow_version),
    status: String(row.status),
    openedAt: Number(row.opened_at),
    closedAt: row.closed_at === null ? null : Number(row.closed_at),
    outcome: row.outcome === null ? null : String(row.outcome),
    exception: row.exception === null ? null : String(row.exception),
    humanDecisions: Number(row.human_decisions),
    humanMinutes: Number(row.human_minutes),
    slaBreaches: Number(row.sla_breaches),
    trail: JSON.parse(String(row.audit)) as HistoryAuditEntry[],
  };
}
