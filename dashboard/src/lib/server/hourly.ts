/**
 * A short period's trend per hour: a day bucket would draw one or two points, so for periods of two days or less the
 * workflow page reads the case rows directly, grouped by the hour each case opened (UTC). Each sum is the rollup
 * triggers' own condition on a case row (db/kpi/recount.ts `addCase`), so the hours add up to the day's figures.
 */
import { sql } from "drizzle-orm";
import type { MetricsDatabase } from "../../../../db/client.ts";
import { emptyTally, type KpiFilter } from "../../../../db/kpi/index.ts";
import { DAY_MS, type DayPoint, dayPoint } from "./series.ts";

const HOUR_MS = 3_600_000;

/**
 * Every hour of the filter's days, hours without cases included (as zeros), so the chart keeps its time axis.
 * @example const points = await hourlySeries(db, { fromDay: 20423, toDay: 20424, workflowId: "refund-dispute" });
 */
export async function hourlySeries(db: MetricsDatabase, filter: KpiFilter): Promise<DayPoint[]> {
  // The divisor is written into the statement: bound, the client sends a number as a float and the division
  // would not be an integer one.
  const rows = await db.all<Record<string, number>>(
    sql`SELECT opened_at / ${sql.raw(String(HOUR_MS))} AS hour, count(*) AS opened,
          sum(status = 'resolved' AND human_touch = 0) AS resolved_autonomous,
          sum(status = 'resolved' AND human_touch = 1) AS resolved_human,
          sum(status = 'failed') AS failed,
          sum(status = 'escalated') AS awaiting_human,
          sum(escalated = 1) AS escalated,
          sum(errored = 1) AS errored,
          sum(minutes_saved) AS minutes_saved,
          sum(awaiting_person = 1) AS with_person
        FROM cases
        WHERE opened_at >= ${filter.fromDay * DAY_MS} AND opened_at < ${(filter.toDay + 1) * DAY_MS}
        ${filter.workflowId !== undefined ? sql`AND workflow_id = ${filter.workflowId}` : sql``}
        ${filter.version !== undefined ? sql`AND workflow_version = ${filter.version}` : sql``}
        GROUP BY hour`,
  );
  const byHour = new Map(rows.map((r) => [Number(r.hour), r]));
  const points: DayPoint[] = [];
  for (let hour = (filter.fromDay * DAY_MS) / HOUR_MS; hour < ((filter.toDay + 1) * DAY_MS) / HOUR_MS; hour++) {
    const r = byHour.get(hour);
    const tally = emptyTally();
    if (r) {
      tally.opened = Number(r.opened);
      tally.resolvedAutonomous = Number(r.resolved_autonomous);
      tally.resolvedHuman = Number(r.resolved_human);
      tally.failed = Number(r.failed);
      tally.awaitingHuman = Number(r.awaiting_human);
      tally.escalated = Number(r.escalated);
      tally.errored = Number(r.errored);
      tally.minutesSaved = Number(r.minutes_saved);
    }
    points.push(dayPoint(Math.floor((hour * HOUR_MS) / DAY_MS), tally, Number(r?.with_person ?? 0), hour * 3600));
  }
  return points;
}
