/**
 * Writes metric batches (a case's events plus its summary row) to the metrics database, all batches of one call in
 * one transaction. Numbered events are applied once and in order per case against the case's mark (numbering.ts);
 * events without a number (older case objects) are kept once by their deterministic id. The summary upsert refuses an
 * older snapshot, so a redelivered batch never moves a case backwards; the rollup triggers follow the summary rows.
 */
import { getTableColumns, sql } from "drizzle-orm";
import type { MetricsDatabase } from "../../db/client.ts";
import type { MetricBatch } from "../../db/facts.ts";
import { reportedOutcomes } from "../../db/rollouts/autonomy.ts";
import { actionOutcomes, agentModels, auditAnchors, cases, metricEvents } from "../../db/schema.ts";
import { reviewTouchedActions } from "./autonomy-evidence.ts";
import { continuesMark, MetricsGapError, planNumbered } from "./numbering.ts";

/**
 * Rows go to SQLite as one JSON parameter per table, an array of row arrays in the table's column order, unpacked
 * by `json_each` inside the statement: one statement per batch whatever its size, no per-row parameter binding, and
 * no key lookups per value (bench/RESULTS.md: binding every row was slowest, objects with keys in between). The
 * column order comes from the drizzle table, so it cannot drift; JSON columns travel as their serialized text.
 */
function rowsOf<T extends typeof metricEvents | typeof cases | typeof actionOutcomes>(
  table: T,
  skip: readonly string[] = [],
) {
  const columns = Object.entries(getTableColumns(table)).filter(([key]) => !skip.includes(key));
  const names = sql.raw(columns.map(([, c]) => `"${c.name}"`).join(", "));
  const values = sql.raw(columns.map((_, i) => `value ->> ${i}`).join(", "));
  // Plain arrays and a counted loop: this runs for every event of every write (a fifth of the writer's own time).
  const keys = columns.map(([key]) => key);
  const isJson = columns.map(([, c]) => c.dataType === "json");
  /** The row's values in column order; `extra` (if given) is appended after them. */
  const encode = (row: object, extra?: unknown): unknown[] => {
    const out: unknown[] = new Array(keys.length + (extra === undefined ? 0 : 1));
    for (let i = 0; i < keys.length; i++) {
      const v = (row as Record<string, unknown>)[keys[i]!];
      out[i] = v === undefined || v === null ? null : isJson[i] ? JSON.stringify(v) : v;
    }
    if (extra !== undefined) out[keys.length] = extra;
    return out;
  };
  return { names, values, encode, columns: columns.map(([, c]) => c.name) };
}

const EVENT_ROWS = rowsOf(metricEvents, ["insertedAt"]);
/** Numbered event rows carry their run's first number after the table's columns (for the redelivery path). */
const RUN_FIRST_OF_EVENT = sql.raw(`value ->> ${EVENT_ROWS.columns.length}`);
const SEQ_OF_EVENT = sql.raw(`value ->> ${EVENT_ROWS.columns.indexOf("seq")}`);
const CASE_OF_EVENT = sql.raw(`value ->> ${EVENT_ROWS.columns.indexOf("case_id")}`);
/** Runs travel as `[case_id, first, last]`. */
const RUN_CONTINUES_MARK = sql.raw(continuesMark("value ->> 0", "value ->> 1", "value ->> 2"));
const RUN_IS_PAST_MARK = sql.raw(
  "coalesce((SELECT m.seq FROM metric_sequences m WHERE m.case_id = value ->> 0), 0) < (value ->> 1) - 1",
);
/**
 * Whether some run of the write does not start right after its case's mark (a redelivery, or a run past a gap): a
 * check of one mark per run, made once per statement. When none does (a write of fresh events, the usual case) every
 * numbered event is applied as it is, with no per-event check.
 */
const someRunOffMark = (runs: string) =>
  sql`EXISTS (SELECT 1 FROM json_each(${runs}) r LEFT JOIN metric_sequences m ON m.case_id = r.value ->> 0 WHERE coalesce(m.seq, 0) <> (r.value ->> 1) - 1)`;
const CASE_ROWS = rowsOf(cases);
const OUTCOME_ROWS = rowsOf(actionOutcomes);
const CASE_UPDATES = sql.raw(
  CASE_ROWS.columns
    .filter((c) => c !== "case_id")
    .map((c) => `"${c}" = excluded."${c}"`)
    .join(", "),
);

/**
 * The latest sighting of each model per workflow version among the write's agent steps (`detail.model` of a
 * `step.completed` event), as rows for `agent_models`: one statement per transaction instead of a trigger per event
 * (migration 0019). A sighting is a max, so a redelivered event moves nothing.
 */
function modelSightings(batches: readonly MetricBatch[]): unknown[][] {
  const latest = new Map<string, unknown[]>();
  for (const { events } of batches)
    for (const e of events) {
      const model = e.kind === "step.completed" ? e.detail?.model : undefined;
      if (model === undefined || model === null) continue;
      const key = `${e.workflowId}\u0000${e.workflowVersion}\u0000${String(model)}`;
      const seen = latest.get(key);
      if (!seen) latest.set(key, [e.workflowId, e.workflowVersion, model, e.at]);
      else if ((seen[3] as number) < e.at) seen[3] = e.at;
    }
  return [...latest.values()];
}

/**
 * Each case's newest report in the write (the last of its highest revision, as a later delivery of the same revision
 * replaces an earlier one): a case row is upserted once per write, not once per batch. The reports in between would
 * each be replaced within the same transaction, and the rollup triggers move by the difference between the stored
 * row and the new one, so skipping them leaves every row and rollup as writing them all in order would, at a fraction
 * of the upserts (a queue delivery usually holds several flushes of the same busy case).
 */
export function latestSnapshots(batches: readonly MetricBatch[]): MetricBatch["snapshot"][] {
  const latest = new Map<string, MetricBatch["snapshot"]>();
  for (const { snapshot } of batches) {
    const seen = latest.get(snapshot.caseId);
    if (!seen || seen.revision <= snapshot.revision) latest.set(snapshot.caseId, snapshot);
  }
  return [...latest.values()];
}

/**
 * @example
 * await writeMetricBatches(openDatabase({ url }), [{ events, snapshot }]);
 */
export async function writeMetricBatches(db: MetricsDatabase, batches: readonly MetricBatch[]): Promise<void> {
  if (batches.length === 0) return;
  const plan = planNumbered(batches);
  const numbered = JSON.stringify(plan.numbered.map(({ event, run }) => EVENT_ROWS.encode(event, run.first)));
  const runs = JSON.stringify(plan.runs.map((r) => [r.caseId, r.first, r.last]));
  const unnumbered = JSON.stringify(plan.unnumbered.map((event) => EVENT_ROWS.encode(event)));
  // Anchors: the first report of a head is the one kept; a rewritten case cannot move an anchor it already has.
  const anchoredAt = Date.now();
  const anchors = JSON.stringify(
    batches.flatMap((b) => (b.auditHead ? [[b.snapshot.caseId, b.auditHead.seq, b.auditHead.hash, anchoredAt]] : [])),
  );
  // The autonomy evidence: one row per consequential action, keyed by the step that performs it.
  const evidence = reportedOutcomes(batches);
  const outcomes = JSON.stringify(evidence.rows.map((row) => OUTCOME_ROWS.encode(row)));
  const sightings = modelSightings(batches);
  const snapshots = JSON.stringify(latestSnapshots(batches).map((snapshot) => CASE_ROWS.encode(snapshot)));
  const results = await db.batch([
    // A late delivery of an older report must never move a case backwards. A batch whose events wait for an earlier
    // one still reports its case row, anchor and evidence: they are the case's state, not counts of its events.
    db.run(
      sql`INSERT INTO cases (${CASE_ROWS.names}) SELECT ${CASE_ROWS.values} FROM json_each(${snapshots}) WHERE true ON CONFLICT (case_id) DO UPDATE SET ${CASE_UPDATES} WHERE cases.revision <= excluded.revision`,
    ),
    ...(plan.numbered.length === 0
      ? []
      : [
          // An event is applied when its run continues its case's mark and it is past the mark (a redelivery's events
          // at or below it are skipped, a run past a gap is held whole). When every run starts right after its mark
          // (a write of fresh events, the usual case) that holds for all of them: the check of the runs, made once,
          // spares the check of each event.
          db.run(
            sql`INSERT INTO metric_events (${EVENT_ROWS.names}) SELECT ${EVENT_ROWS.values} FROM json_each(${numbered}) WHERE NOT (SELECT ${someRunOffMark(runs)}) OR coalesce((SELECT m.seq FROM metric_sequences m WHERE m.case_id = ${CASE_OF_EVENT}), 0) BETWEEN (${RUN_FIRST_OF_EVENT}) - 1 AND (${SEQ_OF_EVENT}) - 1`,
          ),
          db.run(
            sql`INSERT INTO metric_sequences (case_id, seq) SELECT value ->> 0, value ->> 2 FROM json_each(${runs}) WHERE ${RUN_CONTINUES_MARK} ON CONFLICT (case_id) DO UPDATE SET seq = excluded.seq`,
          ),
        ]),
    ...(plan.unnumbered.length === 0
      ? []
      : [
          db.run(
            sql`INSERT INTO metric_events (${EVENT_ROWS.names}) SELECT ${EVENT_ROWS.values} FROM json_each(${unnumbered}) WHERE true ON CONFLICT (case_id, id) WHERE seq IS NULL DO NOTHING`,
          ),
        ]),
    db.run(
      sql`INSERT INTO ${auditAnchors} (case_id, seq, hash, anchored_at) SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(${anchors}) WHERE true ON CONFLICT (case_id, seq) DO NOTHING`,
    ),
    ...(sightings.length === 0
      ? []
      : [
          db.run(
            sql`INSERT INTO ${agentModels} (workflow_id, workflow_version, model, last_seen_at) SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(${JSON.stringify(sightings)}) WHERE true ON CONFLICT (workflow_id, workflow_version, model) DO UPDATE SET last_seen_at = max(last_seen_at, excluded.last_seen_at)`,
          ),
        ]),
    // A redelivery writes nothing new; only a rejection (the second person of a two-person approval) overrides an
    // approval. Most batches carry no consequential action: no statement for them.
    ...(evidence.rows.length === 0
      ? []
      : [
          db.run(
            sql`INSERT INTO ${actionOutcomes} (${OUTCOME_ROWS.names}) SELECT ${OUTCOME_ROWS.values} FROM json_each(${outcomes}) WHERE true ON CONFLICT (case_id, step_id) DO UPDATE SET outcome = excluded.outcome, at = excluded.at WHERE excluded.outcome = 'rejected' AND ${actionOutcomes.outcome} = 'approved'`,
          ),
        ]),
    // Last, inside the transaction, after the marks moved: the runs that still start past their case's mark + 1.
    ...(plan.runs.length === 0
      ? []
      : [db.all<{ run: number }>(sql`SELECT key AS run FROM json_each(${runs}) WHERE ${RUN_IS_PAST_MARK}`)]),
  ]);
  const pastMark = plan.runs.length === 0 ? [] : (results.at(-1) as { run: number }[]);
  if (evidence.touched.size > 0) await reviewTouchedActions(db, evidence.touched, Date.now());
  if (pastMark.length > 0) {
    const held = pastMark.map((r) => plan.runs[Number(r.run)]!);
    throw new MetricsGapError(
      [...new Set(held.flatMap((r) => [...r.batches]))].sort((a, b) => a - b),
      [...new Set(held.map((r) => r.caseId))],
    );
  }
}
