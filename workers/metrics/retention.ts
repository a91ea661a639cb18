/**
 * Retention of the raw metric log. Rollups are kept by triggers on the case rows, so a raw event is no longer needed
 * for them once its case has closed: its case row (and with it every rollup it feeds) cannot change again. Raw events
 * older than the retention age whose case has closed are deleted, in bounded chunks so no transaction grows large.
 */
import { sql } from "drizzle-orm";
import type { MetricsDatabase } from "../../db/client.ts";

export const DEFAULT_RETENTION_DAYS = 90;
const CHUNK = 5_000;

/** `METRICS_RETENTION_DAYS` as a whole number of days ≥ 1; the default when unset or invalid. */
export function retentionDays(raw: string | undefined): number {
  const days = Number(raw);
  return raw !== undefined && raw !== "" && Number.isInteger(days) && days >= 1 ? days : DEFAULT_RETENTION_DAYS;
}

/**
 * Deletes raw events older than `olderThanDays` whose case has closed; returns how many.
 * @example
 * await pruneRawEvents(db, { olderThanDays: 90 });
 */
export async function pruneRawEvents(
  db: MetricsDatabase,
  options: { olderThanDays: number; now?: number },
): Promise<number> {
  const cutoff = (options.now ?? Date.now()) - options.olderThanDays * 86_400_000;
  let total = 0;
  // The table is in arrival order with no index by case: one pass in rowid order (oldest first), a chunk at a time.
  let after = 0;
  for (;;) {
    const rows = await db.all<{ r: number }>(sql`
      SELECT e.rowid AS r FROM metric_events e JOIN cases c ON c.case_id = e.case_id
      WHERE e.rowid > ${after} AND c.closed_at IS NOT NULL AND e.at < ${cutoff}
      ORDER BY e.rowid LIMIT ${CHUNK}`);
    if (rows.length === 0) return total;
    const result = await db.run(
      sql`DELETE FROM metric_events WHERE rowid IN (SELECT value FROM json_each(${JSON.stringify(rows.map((x) => x.r))}))`,
    );
    total += Number(result.rowsAffected);
    after = rows.at(-1)!.r;
    if (rows.length < CHUNK) return total;
  }
}
