/**
 * The raw-table fallback: the same tallies computed from `metric_events` alone, case by case, without the rollups.
 * It scans every event in range, so it is the slow path (bench/RESULTS.md has both timings); it serves ranges whose
 * raw events are still kept, and a test holds it equal to the rollups.
 */
import { sql } from "drizzle-orm";
import type { MetricsDatabase } from "../client.ts";
import { TTR_BUCKET_SQL } from "../facts.ts";
import { COUNT_FIELDS } from "./definitions.ts";
import { COLUMN, type GroupKey, type KpiFilter, snake, type TallyGroup, TallyGroups, whereOf } from "./rollups.ts";

const TTR_BUCKET = TTR_BUCKET_SQL("ttr");

/**
 * One row per case from its events: the status it ended in (or its latest), its facts as the events carry them.
 * The day filter applies to the day the case opened, as with the rollups.
 */
const perCase = (filter: KpiFilter) => sql`
  WITH cases_raw AS (
    SELECT case_id, workflow_id, workflow_version,
      min(CASE WHEN kind = 'case.opened' THEN at END) / 86400000 AS day,
      max(kind = 'case.resolved') AS resolved,
      max(kind = 'case.failed') AS failed,
      max(CASE WHEN kind = 'case.resolved' THEN duration_ms END) AS ttr,
      max(CASE WHEN kind = 'case.resolved' THEN human_touch END) AS human,
      max(kind = 'case.escalated') AS escalated,
      max(kind = 'case.failed' OR (kind = 'case.escalated' AND json_extract(detail, '$.failure'))) AS errored,
      max(exception) AS exception,
      -- A hand-off names its queue: an escalation, or an approval's parking (case.status with the task's queue).
      max(kind IN ('case.escalated', 'case.status') AND json_extract(detail, '$.queue') IS NOT NULL) AS handed_to_person,
      max(kind = 'sla.breached') AS sla_breached,
      sum(kind = 'step.completed' AND json_extract(detail, '$.kind') = 'ask') AS asks,
      sum(kind = 'step.completed' AND json_extract(detail, '$.kind') = 'agent') AS judgments,
      sum(kind = 'human.decision') AS human_decisions,
      coalesce(sum(CASE WHEN kind = 'human.decision' THEN json_extract(detail, '$.minutes') END), 0) AS human_minutes,
      coalesce(max(CASE WHEN kind = 'case.resolved' THEN json_extract(detail, '$.minutesSaved') END), 0) AS minutes_saved,
      -- The latest status reported (an escalation first among ties), from the case's own rows: the table has no index
      -- by case to look it up again. Times are 13-digit epoch ms, zero-padded so the text order is the time order.
      substr(max(CASE WHEN status IS NOT NULL THEN printf('%015d%d', at, status = 'escalated') || status END), 17) AS last_status
    FROM metric_events e
    WHERE ${filter.workflowId !== undefined ? sql`workflow_id = ${filter.workflowId}` : sql`1`}
    GROUP BY case_id
  )
  SELECT * FROM cases_raw WHERE day IS NOT NULL AND ${whereOf(filter)}`;

/**
 * @example
 * const [slow] = await tallyFromRawEvents(db, { fromDay, toDay, workflowId });
 */
export async function tallyFromRawEvents(
  db: MetricsDatabase,
  filter: KpiFilter,
  by: readonly GroupKey[] = [],
): Promise<TallyGroup[]> {
  const keys = by.map((k) => COLUMN[k]);
  const select = keys.length ? sql.raw(`${keys.join(", ")}, `) : sql.raw("");
  const groupBy = keys.length ? sql.raw(` GROUP BY ${keys.join(", ")}`) : sql.raw("");
  const counts = sql.raw(
    [
      "count(*) AS opened",
      "sum(resolved AND NOT human) AS resolved_autonomous",
      "sum(resolved AND human) AS resolved_human",
      "sum(failed AND NOT resolved) AS failed",
      "sum(NOT resolved AND NOT failed AND last_status = 'escalated') AS awaiting_human",
      "sum(escalated) AS escalated",
      "sum(errored) AS errored",
      "sum(exception IS NOT NULL) AS with_exception",
      "sum(asks > 0) AS conversational",
      "sum(judgments > 0) AS judgment",
      "sum(human_decisions) AS human_decisions",
      "sum(human_minutes) AS human_minutes",
      "sum(CASE WHEN exception IS NULL THEN 0 ELSE human_minutes END) AS exception_minutes",
      "sum(minutes_saved) AS minutes_saved",
      "sum(handed_to_person) AS handed_to_person",
      "sum(sla_breached) AS sla_breached",
    ].join(", "),
  );
  const base = perCase(filter);
  const [rows, ttr, exceptions] = await Promise.all([
    db.all<Record<string, unknown>>(sql`SELECT ${select}${counts} FROM (${base})${groupBy}`),
    db.all<Record<string, unknown>>(
      sql`SELECT ${select}${sql.raw(TTR_BUCKET)} AS bucket_minutes, count(*) AS cases FROM (${base}) WHERE resolved AND ttr IS NOT NULL${groupBy}${sql.raw(keys.length ? ", bucket_minutes" : " GROUP BY bucket_minutes")}`,
    ),
    db.all<Record<string, unknown>>(
      sql`SELECT ${select}exception, count(*) AS cases, sum(human_minutes) AS human_minutes FROM (${base}) WHERE exception IS NOT NULL${groupBy}${sql.raw(keys.length ? ", exception" : " GROUP BY exception")}`,
    ),
  ]);
  const groups = new TallyGroups(by);
  for (const row of rows) {
    if (Number(row.opened) === 0) continue;
    const tally = groups.of(row);
    for (const field of COUNT_FIELDS) tally[field] += Number(row[snake(field)] ?? 0);
  }
  for (const row of ttr) groups.of(row).ttr.set(Number(row.bucket_minutes), Number(row.cases));
  for (const row of exceptions)
    groups
      .of(row)
      .exceptions.set(String(row.exception), { cases: Number(row.cases), humanMinutes: Number(row.human_minutes) });
  return groups.list();
}
