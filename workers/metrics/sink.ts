/**
 * Writes metric batches (a case's events plus its summary row) to the metrics database, all batches of one call in
 * one transaction. Event ids are deterministic and the summary upsert refuses an older snapshot, so a redelivered
 * batch inserts nothing twice and never moves a case backwards; the rollup triggers follow the summary rows.
 */
import { getTableColumns, sql } from "drizzle-orm";
import type { MetricsDatabase } from "../../db/client.ts";
import { auditAnchors, cases, metricEvents } from "../../db/schema.ts";
import type { CaseFacts } from "./facts.ts";
import type { CaseStatus } from "../engine/types.ts";

export const METRIC_KINDS = ["case.opened", "case.status", "step.completed", "step.retried", "case.escalated", "human.decision", "case.resolved", "case.failed", "sla.breached"] as const;

export interface MetricEvent {
  id: string;
  caseId: string;
  caseKey: string;
  workflowId: string;
  workflowVersion: number;
  kind: (typeof METRIC_KINDS)[number];
  status?: CaseStatus;
  stepId?: string;
  at: number;
  durationMs?: number;
  humanTouch: boolean;
  /** `kind:id` of who acted (see db/schema.ts). */
  actor?: string;
  /** The case's exception type once known (stamped when the batch is sent). */
  exception?: string | null;
  detail?: Record<string, unknown>;
}

/** The case summary row the dashboard reads: the header's times and status plus the measured facts. */
export interface CaseSnapshot extends CaseFacts {
  /** `<workflow>/<case key>`: cases are per workflow. */
  caseId: string;
  caseKey: string;
  workflowId: string;
  workflowVersion: number;
  status: CaseStatus;
  openedAt: number;
  updatedAt: number;
  closedAt: number | null;
  outcome: string | null;
  humanTouch: boolean;
  /** The case's last audit sequence number: every change of its facts or status is an audit entry. */
  revision: number;
  /** Parked on a person's task (an escalation or an approval). */
  awaitingPerson: boolean;
}

/** What a case object sends: the events since its last report and its summary as of now. */
export interface MetricBatch {
  events: MetricEvent[];
  snapshot: CaseSnapshot;
  /** The case's last audit entry when it reported, anchored in `audit_anchors` (absent from older case objects). */
  auditHead?: { seq: number; hash: string };
}

/**
 * Rows go to SQLite as one JSON parameter per table, an array of row arrays in the table's column order, unpacked
 * by `json_each` inside the statement: one statement per batch whatever its size, no per-row parameter binding, and
 * no key lookups per value (bench/RESULTS.md: binding every row was slowest, objects with keys in between). The
 * column order comes from the drizzle table, so it cannot drift; JSON columns travel as their serialized text.
 */
function rowsOf<T extends typeof metricEvents | typeof cases>(table: T, skip: readonly string[] = []) {
  const columns = Object.entries(getTableColumns(table)).filter(([key]) => !skip.includes(key));
  const names = sql.raw(columns.map(([, c]) => `"${c.name}"`).join(", "));
  const values = sql.raw(columns.map((_, i) => `value ->> ${i}`).join(", "));
  const encode = (row: object): unknown[] =>
    columns.map(([key, c]) => {
      const v = (row as Record<string, unknown>)[key];
      if (v === undefined || v === null) return null;
      return c.dataType === "json" ? JSON.stringify(v) : v;
    });
  return { names, values, encode, columns: columns.map(([, c]) => c.name) };
}

const EVENT_ROWS = rowsOf(metricEvents, ["insertedAt"]);
const CASE_ROWS = rowsOf(cases);
const CASE_UPDATES = sql.raw(CASE_ROWS.columns.filter((c) => c !== "case_id").map((c) => `"${c}" = excluded."${c}"`).join(", "));

/**
 * @example
 * await writeMetricBatches(openDatabase({ url }), [{ events, snapshot }]);
 */
export async function writeMetricBatches(db: MetricsDatabase, batches: readonly MetricBatch[]): Promise<void> {
  if (batches.length === 0) return;
  const events = JSON.stringify(batches.flatMap((b) => b.events.map(EVENT_ROWS.encode)));
  // Oldest report first: when one write holds two reports of a case, the newer one is the one that stays.
  // Anchors: the first report of a head is the one kept; a rewritten case cannot move an anchor it already has.
  const anchoredAt = Date.now();
  const anchors = JSON.stringify(batches.flatMap((b) => (b.auditHead ? [[b.snapshot.caseId, b.auditHead.seq, b.auditHead.hash, anchoredAt]] : [])));
  const snapshots = JSON.stringify([...batches].sort((a, b) => a.snapshot.revision - b.snapshot.revision).map((b) => CASE_ROWS.encode(b.snapshot)));
  await db.batch([
    db.run(sql`INSERT INTO metric_events (${EVENT_ROWS.names}) SELECT ${EVENT_ROWS.values} FROM json_each(${events}) WHERE true ON CONFLICT (case_id, id) DO NOTHING`),
    // A late delivery of an older report must never move a case backwards.
    db.run(sql`INSERT INTO cases (${CASE_ROWS.names}) SELECT ${CASE_ROWS.values} FROM json_each(${snapshots}) WHERE true ON CONFLICT (case_id) DO UPDATE SET ${CASE_UPDATES} WHERE cases.revision <= excluded.revision`),
    db.run(sql`INSERT INTO ${auditAnchors} (case_id, seq, hash, anchored_at) SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(${anchors}) WHERE true ON CONFLICT (case_id, seq) DO NOTHING`),
  ]);
}
