/**
 * Shadow-run reports: a candidate workflow version run over recorded real cases in a sandbox (workers/shadow), its
 * writes recorded and never sent. A report says, per case, whether the candidate did the same as production, decided
 * differently, or acted differently (or could not run), with the differing steps side by side, and the candidate's
 * estimated KPIs next to production's, computed with the same definitions as every other figure (db/kpi). The
 * dashboard lists and opens them; `npm run shadow` and the case API write them.
 */
import { and, desc, eq, gte, inArray, ne } from "drizzle-orm";
import type { MetricsDatabase } from "../client.ts";
import type { CaseStatus } from "../facts.ts";
import type { KpiComparison } from "../kpi/compare.ts";
import type { Kpis } from "../kpi/definitions.ts";
import type { CaseRow } from "../kpi/recount.ts";
import { cases, shadowReports } from "../schema.ts";

/**
 * How a case fared in the sandbox against production:
 * - `same`: the same steps with the same decisions and the same writes;
 * - `different decision`: a judgment (an agent's or a rule's decision, a person's hand-off, the outcome) differs;
 * - `different action`: the decisions agree but the steps that act on other systems differ (a write production did
 *   not make, or one it made that the candidate would not);
 * - `failed`: the candidate could not be run on this case (the reason says why, e.g. a read production never made).
 */
export type ShadowVerdict = "same" | "different decision" | "different action" | "failed";

export const SHADOW_VERDICTS = ["same", "different decision", "different action", "failed"] as const;

/** A request a candidate step would have sent to another system; recorded by the sandbox, never sent. */
export interface ShadowWrite {
  /** The system's base URL host as configured (e.g. `127.0.0.1:8787` or `api.stripe.com`). */
  host: string;
  method: string;
  /** Path and query. */
  path: string;
  /** The body as sent: parsed JSON, a form as an object, else the text. */
  body: unknown;
}

/** One step of a case as one side ran it. */
export interface ShadowStep {
  id: string;
  /** The engine's step kind (`run`, `agent`, `decide`, `ask`, `approve`, `escalate`, `resolve`, ...). */
  kind: string;
  /** What the step returned (an agent's decision, a run's result, the outcome a resolve recorded), as JSON. */
  result: unknown;
  /** The writes the step would send (candidate steps production never ran); empty for production's steps. */
  writes: ShadowWrite[];
  /** When the step finished (epoch ms; the sandbox's clock follows the recorded event times). */
  at: number;
}

/** A step that differs between the two runs: production's beside the candidate's (null where one never ran it). */
export interface ShadowStepPair {
  id: string;
  production: ShadowStep | null;
  candidate: ShadowStep | null;
}

/** How a case ended (or stood) on one side. */
export interface ShadowCaseEnd {
  status: CaseStatus;
  /** The outcome `step.resolve` recorded, or null. */
  outcome: string | null;
}

/** One recorded case replayed on the candidate. */
export interface ShadowCaseResult {
  caseId: string;
  caseKey: string;
  /** The version production ran the case on. */
  productionVersion: number;
  verdict: ShadowVerdict;
  production: ShadowCaseEnd;
  /**
   * Null when the sandbox had to stop the case: `failed`, or a `different decision` whose judgment already differed
   * before it stopped (the reason then says both); such cases are left out of the estimated KPIs on both sides.
   */
  candidate: ShadowCaseEnd | null;
  /** Why the case failed in the sandbox, or which step first differed; null when `same`. */
  reason: string | null;
  /** Only the steps that differ, in the order the two runs reached them. */
  steps: ShadowStepPair[];
}

/** Counts per verdict over the cases run. */
export interface ShadowCounts {
  cases: number;
  same: number;
  differentDecision: number;
  differentAction: number;
  failed: number;
}

/** Which recorded cases a shadow run took: the newest `cases`, or those opened since `since` (epoch ms). */
export interface ShadowSelection {
  cases?: number;
  since?: number;
}

/**
 * The candidate's estimated KPIs next to production's over the same cases: those the candidate ran to an end or a
 * wait (cases the sandbox stopped are left out on both sides), and db/kpi/compare.ts's comparison of the two
 * (production as the baseline).
 */
export interface ShadowKpis {
  production: Kpis;
  candidate: Kpis;
  comparison: KpiComparison[];
}

/** A stored report's list entry: who ran which candidate over what, and the counts. */
export interface ShadowReportSummary {
  id: string;
  workflowId: string;
  candidateVersion: number;
  /** `person:<name>` (the dashboard) or `key:<id>` (an API key, `npm run shadow`). */
  requestedBy: string;
  createdAt: number;
  selection: ShadowSelection;
  counts: ShadowCounts;
}

/** A whole report: the summary, the versions production ran, the KPIs side by side and every case's result. */
export interface ShadowReport extends ShadowReportSummary {
  /** The versions the recorded cases ran on (any but the candidate). */
  productionVersions: number[];
  kpis: ShadowKpis;
  /** Per case, differing ones first (failed, different decision, different action), then `same`. */
  results: ShadowCaseResult[];
}

/** What the report column holds beside the summary columns. */
type StoredReportBody = Pick<ShadowReport, "productionVersions" | "kpis" | "results">;

/**
 * Counts the verdicts of a run's results.
 * @example countVerdicts(results) // { cases: 200, same: 131, differentDecision: 69, differentAction: 0, failed: 0 }
 */
export function countVerdicts(results: readonly Pick<ShadowCaseResult, "verdict">[]): ShadowCounts {
  const counts: ShadowCounts = { cases: results.length, same: 0, differentDecision: 0, differentAction: 0, failed: 0 };
  for (const r of results) {
    if (r.verdict === "same") counts.same++;
    else if (r.verdict === "different decision") counts.differentDecision++;
    else if (r.verdict === "different action") counts.differentAction++;
    else counts.failed++;
  }
  return counts;
}

/**
 * Stores a report (its counts in columns, the rest as JSON); the counts are recomputed from the results, so the
 * columns and the body cannot disagree.
 * @example await saveShadowReport(db, report);
 */
export async function saveShadowReport(db: MetricsDatabase, report: ShadowReport): Promise<void> {
  const counts = countVerdicts(report.results);
  const body: StoredReportBody = {
    productionVersions: report.productionVersions,
    kpis: report.kpis,
    results: report.results,
  };
  await db.insert(shadowReports).values({
    id: report.id,
    workflowId: report.workflowId,
    candidateVersion: report.candidateVersion,
    requestedBy: report.requestedBy,
    createdAt: report.createdAt,
    selection: report.selection,
    cases: counts.cases,
    same: counts.same,
    differentDecision: counts.differentDecision,
    differentAction: counts.differentAction,
    failed: counts.failed,
    report: body,
  });
}

function summaryOf(row: typeof shadowReports.$inferSelect): ShadowReportSummary {
  return {
    id: row.id,
    workflowId: row.workflowId,
    candidateVersion: row.candidateVersion,
    requestedBy: row.requestedBy,
    createdAt: row.createdAt,
    selection: row.selection as ShadowSelection,
    counts: {
      cases: row.cases,
      same: row.same,
      differentDecision: row.differentDecision,
      differentAction: row.differentAction,
      failed: row.failed,
    },
  };
}

/**
 * A workflow's reports, newest first, without their case results (the list the dashboard shows).
 * @example const reports = await listShadowReports(db, "refund-dispute"); // [{ id, candidateVersion, counts, ... }]
 */
export async function listShadowReports(
  db: MetricsDatabase,
  workflowId: string,
  limit = 50,
): Promise<ShadowReportSummary[]> {
  const rows = await db
    .select()
    .from(shadowReports)
    .where(eq(shadowReports.workflowId, workflowId))
    .orderBy(desc(shadowReports.createdAt))
    .limit(limit);
  return rows.map(summaryOf);
}

/**
 * One report with its KPIs and every case's result, or null when there is none with that id.
 * @example const report = await readShadowReport(db, id); report?.results.filter((r) => r.verdict !== "same");
 */
export async function readShadowReport(db: MetricsDatabase, id: string): Promise<ShadowReport | null> {
  const [row] = await db.select().from(shadowReports).where(eq(shadowReports.id, id));
  if (!row) return null;
  return { ...summaryOf(row), ...(row.report as StoredReportBody) };
}

/** A recorded case a shadow run replays: its id and version, and its measured facts (production's KPIs). */
export type RecordedCase = CaseRow & { caseId: string; caseKey: string; closedAt: number | null };

/** The statuses worth replaying: the case ended, or reached a decision a person has to take. */
const COMPARABLE: CaseStatus[] = ["resolved", "failed", "escalated"];

/**
 * The recorded cases of a workflow a shadow run of `candidate` takes: on any other version, resolved, failed or
 * escalated, the newest `cases` of them (opened since `since` when given), newest first.
 * @example const recorded = await recordedCases(db, "refund-dispute", { candidate: 3, cases: 200 });
 */
export async function recordedCases(
  db: MetricsDatabase,
  workflowId: string,
  options: { candidate: number; cases: number; since?: number },
): Promise<RecordedCase[]> {
  const conditions = [
    eq(cases.workflowId, workflowId),
    ne(cases.workflowVersion, options.candidate),
    inArray(cases.status, COMPARABLE),
  ];
  if (options.since !== undefined) conditions.push(gte(cases.openedAt, options.since));
  return db
    .select()
    .from(cases)
    .where(and(...conditions))
    .orderBy(desc(cases.openedAt))
    .limit(options.cases);
}
