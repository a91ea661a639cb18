/**
 * A history case recounted from its own record, as `npm run kpi:verify` recounts a live case from its case object:
 * no case object holds a history case, so its audit trail kept in `demo_history` is the record. Its opening, version,
 * status and closing come from the trail's `case.opened` and `case.resolved` / `case.failed` entries; its facts from
 * the same `caseFacts` the case object reports with.
 */
import { sql } from "drizzle-orm";
import type { MetricsDatabase } from "../../db/client.ts";
import type { CaseRow } from "../../db/kpi/index.ts";
import type { HistoryAuditEntry } from "../../db/schema.ts";
import type { CaseStatus } from "../../workers/engine/index.ts";
import { caseFacts } from "../../workers/metrics/index.ts";
import { CATALOGUE } from "../../workers/workflows/catalogue.ts";

export type RecountedCase = CaseRow & { caseId: string };

/** One history case from its trail; null when the trail lacks its opening. */
export function recountFromTrail(caseId: string, workflowId: string, audit: HistoryAuditEntry[]): RecountedCase | null {
  const opened = audit.find((e) => e.action === "case.opened");
  const version = Number(/@v(\d+)$/.exec(String(opened?.detail?.workflow ?? ""))?.[1]);
  if (!opened || !Number.isInteger(version)) return null;
  const end = audit.findLast((e) => e.action === "case.resolved" || e.action === "case.failed");
  const status: CaseStatus = end?.action === "case.resolved" ? "resolved" : end ? "failed" : "running";
  const measures = CATALOGUE.find((w) => w.id === workflowId && w.version === version) ?? { minutesPerCase: 0 };
  const facts = caseFacts(status, audit, measures);
  return {
    caseId,
    workflowId,
    workflowVersion: version,
    status,
    openedAt: opened.at,
    closedAt: end?.at ?? null,
    humanTouch: facts.humanDecisions > 0,
    ...facts,
  };
}

/** Every history case in the database, recounted from its trail (those whose trail lacks an opening: in `broken`). */
export async function recountHistory(db: MetricsDatabase): Promise<{ cases: RecountedCase[]; broken: string[] }> {
  const rows = await db.all<{ case_id: string; workflow_id: string; audit: string }>(
    sql`SELECT case_id, workflow_id, audit FROM demo_history`,
  );
  const cases: RecountedCase[] = [];
  const broken: string[] = [];
  for (const r of rows) {
    const c = recountFromTrail(r.case_id, r.workflow_id, JSON.parse(r.audit) as HistoryAuditEntry[]);
    if (c) cases.push(c);
    else broken.push(r.case_id);
  }
  return { cases, broken };
}
