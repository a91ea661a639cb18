/**
 * The rollups' changes for one write, summed per transaction: what the row triggers on `cases` (migrations 0002,
 * 0010, 0013) do for each case row, done once per rollup row a write touches. For every case of the write, its last
 * reported row (the one the upsert leaves, if the stored row is not newer) adds its contribution and the stored row it
 * replaces takes its own back, grouped by workflow × version × day (× bucket, × exception, × week) into one upsert per
 * rollup table (through the scratch table `rollup_changes`). The statements run before the case upsert, in the same
 * transaction, so they read the rows it replaces; the upsert stamps its rows (`rollup_stamp`), which tells the
 * triggers (migration 0020) that this write kept the rollups itself. A write that changes nothing (a redelivery) sums to zero and touches no rollup row.
 */
import { type SQL, sql } from "drizzle-orm";
import type { MetricBatch } from "../../db/facts.ts";

/** The case row fields a rollup reads, in the order they travel in the statement's JSON parameter. */
const FIELDS = [
  "case_id",
  "revision",
  "workflow_id",
  "workflow_version",
  "opened_at",
  "closed_at",
  "status",
  "human_touch",
  "escalated",
  "errored",
  "exception",
  "asks",
  "judgments",
  "human_decisions",
  "human_minutes",
  "minutes_saved",
  "handed_to_person",
  "sla_breaches",
] as const;

/** The last report of each case in the write (the batches sorted by revision, as the upsert applies them). */
export function lastReports(sortedBatches: readonly MetricBatch[]): unknown[][] {
  const last = new Map<string, MetricBatch["snapshot"]>();
  for (const { snapshot } of sortedBatches) last.set(snapshot.caseId, snapshot);
  return [...last.values()].map((s) => [
    s.caseId,
    s.revision,
    s.workflowId,
    s.workflowVersion,
    s.openedAt,
    s.closedAt,
    s.status,
    s.humanTouch ? 1 : 0,
    s.escalated ? 1 : 0,
    s.errored ? 1 : 0,
    s.exception,
    s.asks,
    s.judgments,
    s.humanDecisions,
    s.humanMinutes,
    s.minutesSaved,
    s.handedToPerson ? 1 : 0,
    s.slaBreaches,
  ]);
}

const ROW_FIELDS = FIELDS.filter((f) => f !== "case_id" && f !== "revision");

/**
 * Fills `rollup_changes` with each case row the write adds (sign 1) and each stored row it replaces (sign −1). A
 * stored row newer than the report stays, and so the report adds nothing. One pass over the reports and `cases`;
 * the four upserts then read the few scratch rows.
 */
function collectChanges(reports: string): SQL {
  const reported = sql.raw(FIELDS.map((f, i) => `value ->> ${i} AS ${f}`).join(", "));
  const fields = (alias: string) => sql.raw(ROW_FIELDS.map((f) => `${alias}.${f}`).join(", "));
  return sql`INSERT INTO rollup_changes (sign, ${sql.raw(ROW_FIELDS.join(", "))})
WITH reported AS MATERIALIZED (SELECT ${reported} FROM json_each(${reports}))
SELECT 1, ${fields("r")} FROM reported r LEFT JOIN cases o ON o.case_id = r.case_id
WHERE o.revision IS NULL OR o.revision <= r.revision
UNION ALL
SELECT -1, ${fields("o")} FROM reported r JOIN cases o ON o.case_id = r.case_id
WHERE o.revision <= r.revision`;
}

/** A case's contribution to each `daily_rollups` column (the triggers' VALUES list). */
const DAILY: readonly [column: string, contribution: string][] = [
  ["opened", "1"],
  ["resolved_autonomous", "(status = 'resolved' AND NOT human_touch)"],
  ["resolved_human", "(status = 'resolved' AND human_touch)"],
  ["failed", "(status = 'failed')"],
  ["awaiting_human", "(status = 'escalated')"],
  ["escalated", "(escalated <> 0)"],
  ["errored", "(errored <> 0)"],
  ["with_exception", "(exception IS NOT NULL)"],
  ["conversational", "(asks > 0)"],
  ["judgment", "(judgments > 0)"],
  ["human_decisions", "human_decisions"],
  ["human_minutes", "human_minutes"],
  ["exception_minutes", "(CASE WHEN exception IS NULL THEN 0 ELSE human_minutes END)"],
  ["minutes_saved", "minutes_saved"],
  ["handed_to_person", "(handed_to_person <> 0)"],
  ["sla_breached", "(sla_breaches > 0)"],
];

/** The time-to-resolution bucket in minutes (db/facts.ts `ttrBucketMinutes`), as in the triggers. */
const BUCKET =
  "(CASE WHEN (closed_at - opened_at) < 3600000 THEN (closed_at - opened_at) / 60000 WHEN (closed_at - opened_at) < 86400000 THEN ((closed_at - opened_at) / 900000) * 15 ELSE ((closed_at - opened_at) / 3600000) * 60 END)";
const RESOLVED = "status = 'resolved' AND closed_at IS NOT NULL";

const sumsOf = (columns: readonly [string, string][]) => columns.map(([c, e]) => `sum(sign * ${e}) AS ${c}`).join(", ");
const anyNonZero = (columns: readonly [string, string][]) =>
  columns.map(([, e]) => `sum(sign * ${e}) <> 0`).join(" OR ");
const added = (columns: readonly string[]) => columns.map((c) => `${c} = ${c} + excluded.${c}`).join(", ");

const DAILY_COLUMNS = DAILY.map(([c]) => c);
const STATEMENTS = {
  daily: sql.raw(`INSERT INTO daily_rollups (workflow_id, workflow_version, day, ${DAILY_COLUMNS.join(", ")})
SELECT workflow_id, workflow_version, opened_at / 86400000, ${sumsOf(DAILY)} FROM rollup_changes
GROUP BY 1, 2, 3 HAVING ${anyNonZero(DAILY)}
ON CONFLICT (workflow_id, workflow_version, day) DO UPDATE SET ${added(DAILY_COLUMNS)}`),
  ttr: sql.raw(`INSERT INTO ttr_rollups (workflow_id, workflow_version, day, bucket_minutes, cases)
SELECT workflow_id, workflow_version, opened_at / 86400000, ${BUCKET}, sum(sign) FROM rollup_changes WHERE ${RESOLVED}
GROUP BY 1, 2, 3, 4 HAVING sum(sign) <> 0
ON CONFLICT (workflow_id, workflow_version, day, bucket_minutes) DO UPDATE SET cases = cases + excluded.cases`),
  exceptions:
    sql.raw(`INSERT INTO exception_rollups (workflow_id, workflow_version, day, exception, cases, human_minutes)
SELECT workflow_id, workflow_version, opened_at / 86400000, exception, sum(sign), sum(sign * human_minutes) FROM rollup_changes
WHERE exception IS NOT NULL GROUP BY 1, 2, 3, 4 HAVING sum(sign) <> 0 OR sum(sign * human_minutes) <> 0
ON CONFLICT (workflow_id, workflow_version, day, exception) DO UPDATE SET cases = cases + excluded.cases, human_minutes = human_minutes + excluded.human_minutes`),
  weekly: sql.raw(`INSERT INTO ttr_weekly (workflow_id, week, bucket_minutes, cases)
SELECT workflow_id, (opened_at / 86400000 + 3) / 7, ${BUCKET}, sum(sign) FROM rollup_changes WHERE ${RESOLVED}
GROUP BY 1, 2, 3 HAVING sum(sign) <> 0
ON CONFLICT (workflow_id, week, bucket_minutes) DO UPDATE SET cases = cases + excluded.cases`),
};

/**
 * The statements that move the rollups for a write's case reports (the JSON of `lastReports`), in order; run them in
 * the write's transaction before the case upsert. The scratch rows are gone again when the transaction commits.
 * @example
 * const reports = JSON.stringify(lastReports(sorted));
 * await db.batch([...rollupDeltas(reports).map((s) => db.run(s)), db.run(caseUpsert)]);
 */
export function rollupDeltas(reports: string): SQL[] {
  return [collectChanges(reports), ...Object.values(STATEMENTS), sql`DELETE FROM rollup_changes`];
}
