/**
 * The case list as CSV: the filters of /cases (same query string), every matching case up to EXPORT_CAP, newest
 * first; times in UTC (ISO 8601).
 */
import { toCsv } from "$lib/csv";
import { requireRole } from "$lib/server/auth/guard";
import { EXPORT_CAP, exportCases, parseFilters } from "$lib/server/case-list";
import { metricsDb } from "$lib/server/db";
import type { RequestHandler } from "./$types";

const iso = (ms: number | null) => (ms === null ? "" : new Date(ms).toISOString());

export const GET: RequestHandler = async ({ locals, url }) => {
  requireRole(locals, "viewer");
  const { filters } = parseFilters(url.searchParams);
  const { rows, capped } = await exportCases(metricsDb(), filters);
  const csv = toCsv([
    [
      "case_id",
      "case_key",
      "workflow",
      "version",
      "status",
      "exception",
      "outcome",
      "opened_at",
      "updated_at",
      "closed_at",
      "human_decisions",
    ],
    ...rows.map((c) => [
      c.caseId,
      c.caseKey,
      c.workflowId,
      c.workflowVersion,
      c.status,
      c.exception,
      c.outcome,
      iso(c.openedAt),
      iso(c.updatedAt),
      iso(c.closedAt),
      c.humanDecisions,
    ]),
  ]);
  return new Response(csv, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="crossflow-cases-${new Date().toISOString().slice(0, 10)}.csv"`,
      // The file is cut at EXPORT_CAP rows; the header says so, as the list says "more than".
      ...(capped ? { "x-crossflow-truncated": `first ${EXPORT_CAP} cases` } : {}),
    },
  });
};
