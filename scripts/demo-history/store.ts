/**
 * The demo history in the metrics database: written through the live metrics writer (`writeMetricBatches`, whose
 * rollup triggers make the dashboard's figures), listed in `demo_history`, and removed again row for row: deleting
 * a case row runs the same triggers backwards, so the rollups lose exactly what the history added.
 */
import { sql } from "drizzle-orm";
import type { MetricsDatabase } from "../../db/client.ts";
import { writeMetricBatches } from "../../workers/metrics/index.ts";
import type { History } from "./generate.ts";

/** Batches per write: one transaction each, well under the endpoint's request size. */
const WRITE_CHUNK = 300;
const ROW_CHUNK = 200;

/** True when the database holds no case yet (live or history): the only time `npm start` loads the history. */
export async function databaseIsEmpty(db: MetricsDatabase): Promise<boolean> {
  const [row] = await db.all<{ n: number }>(
    sql`SELECT (SELECT count(*) FROM cases) + (SELECT count(*) FROM demo_history) AS n`,
  );
  return Number(row?.n ?? 0) === 0;
}

/**
 * Writes the history's cases: first their `demo_history` rows (so a case row is never unlabelled), then their metric
 * batches in the order each case reported them.
 * @example await storeHistory(db, await generateHistory({ seed: 18, end: Date.now() }));
 */
export async function storeHistory(db: MetricsDatabase, history: History, loadedAt = Date.now()): Promise<void> {
  for (let i = 0; i < history.cases.length; i += ROW_CHUNK) {
    const rows = history.cases
      .slice(i, i + ROW_CHUNK)
      .map((c) => [c.caseId, c.workflowId, c.caseKey, history.seed, loadedAt, JSON.stringify(c.audit)]);
    await db.run(
      sql`INSERT INTO demo_history (case_id, workflow_id, case_key, seed, loaded_at, audit) SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5 FROM json_each(${JSON.stringify(rows)}) WHERE true ON CONFLICT (case_id) DO NOTHING`,
    );
  }
  const batches = history.cases.flatMap((c) => c.batches);
  for (let i = 0; i < batches.length; i += WRITE_CHUNK) await writeMetricBatches(db, batches.slice(i, i + WRITE_CHUNK));
}

/** What `clearHistory` removed. */
export interface Cleared {
  cases: number;
}

/**
 * Removes the history: its case rows (the rollup triggers take back what they added), its metric events, anything
 * the dashboard recorded about its cases (claims), and its `demo_history` rows. Live cases are untouched.
 * @example const { cases } = await clearHistory(db);
 */
export async function clearHistory(db: MetricsDatabase): Promise<Cleared> {
  const [row] = await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM demo_history`);
  const history = sql`SELECT case_id FROM demo_history`;
  await db.batch([
    db.run(sql`DELETE FROM metric_events WHERE case_id IN (${history})`),
    db.run(sql`DELETE FROM cases WHERE case_id IN (${history})`),
    db.run(sql`DELETE FROM audit_anchors WHERE case_id IN (${history})`),
    db.run(sql`DELETE FROM action_outcomes WHERE case_id IN (${history})`),
    db.run(sql`DELETE FROM escalation_claims WHERE case_id IN (${history})`),
    db.run(sql`DELETE FROM demo_history`),
  ]);
  return { cases: Number(row?.n ?? 0) };
}
