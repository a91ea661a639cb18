/**
 * A case's durable state in its Durable Object's SQLite storage: received events (unique per sender delivery),
 * completed steps (the replay journal), the case header, and the metric outbox.
 */
import type { CaseStatus, EventEnvelope, StepRecord } from "../engine/index.ts";
import type { CaseSnapshot, MetricEvent } from "../metrics/index.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  source TEXT NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  occurred_at INTEGER,
  payload TEXT NOT NULL,
  UNIQUE (source, id)
);
CREATE TABLE IF NOT EXISTS steps (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  output TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS header (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  case_key TEXT NOT NULL,
  workflow_id TEXT NOT NULL,
  workflow_version INTEGER NOT NULL,
  status TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  closed_at INTEGER,
  outcome TEXT,
  error TEXT,
  flush_failures INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS metric_outbox (
  id TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
`;

export interface CaseHeader {
  caseKey: string;
  workflowId: string;
  workflowVersion: number;
  status: CaseStatus;
  openedAt: number;
  updatedAt: number;
  closedAt: number | null;
  outcome: string | null;
  error: string | null;
  flushFailures: number;
}

export interface StoredEvent {
  seq: number;
  source: string;
  id: string;
  type: string;
  receivedAt: number;
  payload: unknown;
}

type Row = Record<string, SqlStorageValue>;

export class CaseStore {
  constructor(private readonly storage: DurableObjectStorage) {
    storage.sql.exec(SCHEMA);
  }

  private get sql() {
    return this.storage.sql;
  }

  /** Runs `fn` atomically: all of its writes land or none do. */
  atomically<T>(fn: () => T): T {
    return this.storage.transactionSync(fn);
  }

  /** Stores the event unless this delivery was stored before; true when it is new. */
  insertEvent(event: EventEnvelope): boolean {
    const cursor = this.sql.exec(
      "INSERT INTO events (source, id, type, received_at, occurred_at, payload) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source, id) DO NOTHING RETURNING seq",
      event.source,
      event.id,
      event.type,
      event.receivedAt,
      event.occurredAt ?? null,
      JSON.stringify(event.payload),
    );
    // RETURNING yields a row only for an actual insert; rowsWritten also counts the conflict probe.
    return cursor.toArray().length > 0;
  }

  events(): StoredEvent[] {
    return this.sql
      .exec<Row>("SELECT seq, source, id, type, received_at, payload FROM events ORDER BY seq")
      .toArray()
      .map((r) => ({
        seq: Number(r.seq),
        source: String(r.source),
        id: String(r.id),
        type: String(r.type),
        receivedAt: Number(r.received_at),
        payload: JSON.parse(String(r.payload)),
      }));
  }

  /** The payload of the event that opened the case: the workflow's input. */
  firstPayload(): unknown {
    const row = this.sql.exec<Row>("SELECT payload FROM events ORDER BY seq LIMIT 1").toArray()[0];
    return row ? JSON.parse(String(row.payload)) : undefined;
  }

  header(): CaseHeader | null {
    const row = this.sql.exec<Row>("SELECT * FROM header WHERE singleton = 1").toArray()[0];
    if (!row) return null;
    return {
      caseKey: String(row.case_key),
      workflowId: String(row.workflow_id),
      workflowVersion: Number(row.workflow_version),
      status: row.status as CaseStatus,
      openedAt: Number(row.opened_at),
      updatedAt: Number(row.updated_at),
      closedAt: row.closed_at === null ? null : Number(row.closed_at),
      outcome: row.outcome === null ? null : String(row.outcome),
      error: row.error === null ? null : String(row.error),
      flushFailures: Number(row.flush_failures),
    };
  }

  openCase(caseKey: string, workflow: { id: string; version: number }, at: number): void {
    this.sql.exec(
      "INSERT INTO header (singleton, case_key, workflow_id, workflow_version, status, opened_at, updated_at) VALUES (1, ?, ?, ?, 'open', ?, ?)",
      caseKey,
      workflow.id,
      workflow.version,
      at,
      at,
    );
  }

  updateHeader(change: { status: CaseStatus; at: number; closedAt?: number; outcome?: string; error?: string }): void {
    this.sql.exec(
      "UPDATE header SET status = ?, updated_at = ?, closed_at = coalesce(?, closed_at), outcome = coalesce(?, outcome), error = coalesce(?, error) WHERE singleton = 1",
      change.status,
      change.at,
      change.closedAt ?? null,
      change.outcome ?? null,
      change.error ?? null,
    );
  }

  steps(): StepRecord[] {
    return this.sql
      .exec<Row>("SELECT id, kind, output, started_at, finished_at FROM steps ORDER BY seq")
      .toArray()
      .map((r) => ({
        id: String(r.id),
        kind: r.kind as StepRecord["kind"],
        output: JSON.parse(String(r.output)),
        startedAt: Number(r.started_at),
        finishedAt: Number(r.finished_at),
      }));
  }

  appendStep(record: StepRecord): void {
    this.sql.exec(
      "INSERT INTO steps (seq, id, kind, output, started_at, finished_at) VALUES ((SELECT count(*) FROM steps), ?, ?, ?, ?, ?)",
      record.id,
      record.kind,
      JSON.stringify(record.output),
      record.startedAt,
      record.finishedAt,
    );
  }

  queueMetric(event: MetricEvent): void {
    this.sql.exec("INSERT INTO metric_outbox (id, body, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING", event.id, JSON.stringify(event), event.at);
  }

  pendingMetrics(limit: number): MetricEvent[] {
    return this.sql
      .exec<Row>("SELECT body FROM metric_outbox ORDER BY created_at, id LIMIT ?", limit)
      .toArray()
      .map((r) => JSON.parse(String(r.body)) as MetricEvent);
  }

  pendingMetricCount(): number {
    return Number(this.sql.exec<Row>("SELECT count(*) AS n FROM metric_outbox").one().n);
  }

  markMetricsSent(ids: readonly string[]): void {
    for (const id of ids) this.sql.exec("DELETE FROM metric_outbox WHERE id = ?", id);
    this.sql.exec("UPDATE header SET flush_failures = 0 WHERE singleton = 1");
  }

  /** Counts a failed flush and returns how many there have been in a row. */
  recordFlushFailure(): number {
    return Number(this.sql.exec<Row>("UPDATE header SET flush_failures = flush_failures + 1 WHERE singleton = 1 RETURNING flush_failures").one().flush_failures);
  }

  snapshot(header: CaseHeader): CaseSnapshot {
    return {
      caseKey: header.caseKey,
      workflowId: header.workflowId,
      workflowVersion: header.workflowVersion,
      status: header.status,
      openedAt: header.openedAt,
      updatedAt: header.updatedAt,
      closedAt: header.closedAt,
      outcome: header.outcome,
      // The foundation's workflows have no human steps yet; approvals and escalations will set this.
      humanTouch: false,
    };
  }
}
