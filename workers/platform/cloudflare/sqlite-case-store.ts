/**
 * A case's durable state in its Durable Object's SQLite storage: received events (unique per sender event,
 * people's decisions among them), completed steps (the replay journal), step attempts (the effect outbox),
 * the wait it is parked on, the case header, the audit chain and the metric outbox.
 */

import type { CaseHeader, CaseStorage, HeaderChange, StepAttempt } from "../../case/storage.ts";
import {
  type AuditEntry,
  type AuditFields,
  type CaseEvent,
  type CaseStatus,
  caseId,
  chainEntry,
  type EventEnvelope,
  HUMAN_SOURCE,
  type PendingWait,
  type RetryState,
  type StepRecord,
} from "../../engine/index.ts";
import type { MetricEvent } from "../../metrics/index.ts";
import { createCaseSchema } from "./sqlite-case-schema.ts";

type Row = Record<string, SqlStorageValue>;
const num = (v: SqlStorageValue | undefined) => (v === null || v === undefined ? null : Number(v));
const str = (v: SqlStorageValue | undefined) => (v === null || v === undefined ? null : String(v));

/** The case Durable Object's storage: SQLite through `ctx.storage.sql`, transactions through `transactionSync`. */
export class SqliteCaseStore implements CaseStorage {
  constructor(private readonly storage: DurableObjectStorage) {
    createCaseSchema(storage.sql);
  }

  private get sql() {
    return this.storage.sql;
  }

  async atomically<T>(fn: () => T): Promise<T> {
    return this.storage.transactionSync(fn);
  }

  /** Written at once: the object's output gate holds anything leaving it until the write is durable. */
  stage<T>(fn: () => T): T {
    return this.storage.transactionSync(fn);
  }

  /** Stores the event unless this (source, id) was stored before; true when it is new. */
  insertEvent(event: EventEnvelope): boolean {
    const cursor = this.sql.exec(
      "INSERT INTO events (source, id, type, received_at, occurred_at, payload) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source, id) DO NOTHING RETURNING seq",
      event.source,
      event.id,
      event.type,
      event.receivedAt,
      event.occurredAt ?? null,
      event.payloadJson,
    );
    // RETURNING yields a row only for an actual insert; rowsWritten also counts the conflict probe.
    return cursor.toArray().length > 0;
  }

  hasEvent(source: string, id: string): boolean {
    return this.sql.exec("SELECT 1 FROM events WHERE source = ? AND id = ?", source, id).toArray().length > 0;
  }

  /** The case's events in arrival order; only those after `afterSeq` when given. */
  events(afterSeq = 0): CaseEvent[] {
    return this.sql
      .exec<Row>("SELECT seq, source, id, type, received_at, payload FROM events WHERE seq > ? ORDER BY seq", afterSeq)
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

  header(): CaseHeader | null {
    const row = this.sql.exec<Row>("SELECT * FROM header WHERE singleton = 1").toArray()[0];
    if (!row) return null;
    const caseKey = String(row.case_key);
    const workflowId = String(row.workflow_id);
    const seq = Number(row.seq);
    return {
      caseId: caseId(workflowId, caseKey, seq),
      seq,
      successor: num(row.successor),
      caseKey,
      workflowId,
      workflowVersion: Number(row.workflow_version),
      status: row.status as CaseStatus,
      openedAt: Number(row.opened_at),
      updatedAt: Number(row.updated_at),
      closedAt: num(row.closed_at),
      outcome: str(row.outcome),
      error: str(row.error),
      wait: row.wait === null ? null : (JSON.parse(String(row.wait)) as PendingWait),
      flushFailures: Number(row.flush_failures),
    };
  }

  openCase(caseKey: string, workflow: { id: string; version: number }, at: number, seq = 1): void {
    this.sql.exec(
      "INSERT INTO header (singleton, case_key, workflow_id, workflow_version, status, opened_at, updated_at, seq) VALUES (1, ?, ?, ?, 'open', ?, ?, ?)",
      caseKey,
      workflow.id,
      workflow.version,
      at,
      at,
      seq,
    );
  }

  setSuccessor(seq: number): void {
    this.sql.exec("UPDATE header SET successor = ? WHERE singleton = 1", seq);
  }

  /** Moves the case to `status`; `wait` is replaced (cleared unless given), the other fields only when given. */
  updateHeader(change: HeaderChange): void {
    this.sql.exec(
      "UPDATE header SET status = ?, updated_at = ?, closed_at = coalesce(?, closed_at), outcome = coalesce(?, outcome), error = coalesce(?, error), wait = ? WHERE singleton = 1",
      change.status,
      change.at,
      change.closedAt ?? null,
      change.outcome ?? null,
      change.error ?? null,
      change.wait ? JSON.stringify(change.wait) : null,
    );
  }

  /** True once a person has decided anything in this case (for the human-touch KPI). */
  hasHumanDecisions(): boolean {
    return this.sql.exec("SELECT 1 FROM events WHERE source = ? LIMIT 1", HUMAN_SOURCE).toArray().length > 0;
  }

  steps(): StepRecord[] {
    return this.sql
      .exec<Row>("SELECT id, kind, output, started_at, finished_at, event_seq FROM steps ORDER BY seq")
      .toArray()
      .map((r) => {
        const record: StepRecord = {
          id: String(r.id),
          kind: r.kind as StepRecord["kind"],
          output: JSON.parse(String(r.output)),
          startedAt: Number(r.started_at),
          finishedAt: Number(r.finished_at),
        };
        if (r.event_seq !== null) record.eventSeq = Number(r.event_seq);
        return record;
      });
  }

  appendStep(record: StepRecord): void {
    this.sql.exec(
      "INSERT INTO steps (seq, id, kind, output, started_at, finished_at, event_seq) VALUES ((SELECT count(*) FROM steps), ?, ?, ?, ?, ?, ?)",
      record.id,
      record.kind,
      JSON.stringify(record.output),
      record.startedAt,
      record.finishedAt,
      record.eventSeq ?? null,
    );
  }

  /**
   * Records that a step's function is about to run, before any effect leaves the object. An attempt left
   * unfinished was cut off by a crash: it is resumed under its own number rather than counted again.
   */
  beginAttempt(stepId: string, idempotencyKey: string, at: number): { attempt: number; resumed: boolean } {
    const open = this.sql
      .exec<Row>("SELECT attempt FROM attempts WHERE step_id = ? AND finished_at IS NULL", stepId)
      .toArray()[0];
    if (open) return { attempt: Number(open.attempt), resumed: true };
    const row = this.sql
      .exec<Row>(
        "INSERT INTO attempts (step_id, attempt, idempotency_key, started_at) VALUES (?, (SELECT coalesce(max(attempt), 0) + 1 FROM attempts WHERE step_id = ?), ?, ?) RETURNING attempt",
        stepId,
        stepId,
        idempotencyKey,
        at,
      )
      .one();
    return { attempt: Number(row.attempt), resumed: false };
  }

  /** Closes the step's open attempt; call in the transaction that records its result. */
  finishAttempt(stepId: string, outcome: "succeeded" | "failed", at: number): void {
    this.sql.exec(
      "UPDATE attempts SET finished_at = ?, outcome = ? WHERE step_id = ? AND finished_at IS NULL",
      at,
      outcome,
      stepId,
    );
  }

  attempts(): StepAttempt[] {
    return this.sql
      .exec<Row>(
        "SELECT step_id, attempt, idempotency_key, started_at, finished_at, outcome FROM attempts ORDER BY started_at, step_id, attempt",
      )
      .toArray()
      .map((r) => ({
        stepId: String(r.step_id),
        attempt: Number(r.attempt),
        idempotencyKey: String(r.idempotency_key),
        startedAt: Number(r.started_at),
        finishedAt: num(r.finished_at),
        outcome: str(r.outcome) as StepAttempt["outcome"],
      }));
  }

  /** Failed attempts of steps that have not succeeded yet. */
  retries(): Record<string, RetryState> {
    const rows = this.sql.exec<Row>("SELECT step_id, state FROM retries").toArray();
    return Object.fromEntries(rows.map((r) => [String(r.step_id), JSON.parse(String(r.state)) as RetryState]));
  }

  setRetry(stepId: string, state: RetryState): void {
    this.sql.exec(
      "INSERT INTO retries (step_id, state) VALUES (?, ?) ON CONFLICT (step_id) DO UPDATE SET state = excluded.state",
      stepId,
      JSON.stringify(state),
    );
  }

  clearRetry(stepId: string): void {
    this.sql.exec("DELETE FROM retries WHERE step_id = ?", stepId);
  }

  /** Appends to the hash chain; call inside `atomically` with the change it records. */
  appendAudit(fields: AuditFields): AuditEntry {
    const last = this.sql.exec<Row>("SELECT entry FROM audit ORDER BY seq DESC LIMIT 1").toArray()[0];
    const entry = chainEntry(last ? (JSON.parse(String(last.entry)) as AuditEntry) : null, fields);
    this.sql.exec("INSERT INTO audit (seq, entry) VALUES (?, ?)", entry.seq, JSON.stringify(entry));
    return entry;
  }

  auditEntries(afterSeq = 0): AuditEntry[] {
    return this.sql
      .exec<Row>("SELECT entry FROM audit WHERE seq > ? ORDER BY seq", afterSeq)
      .toArray()
      .map((r) => JSON.parse(String(r.entry)) as AuditEntry);
  }

  /**
   * Numbered 1, 2, 3… in the same transaction as the transition (the highest number + 1, read in it); an id queued
   * before, sent or not, adds nothing.
   */
  queueMetric(event: MetricEvent): void {
    this.sql.exec(
      `INSERT INTO metric_outbox (id, body, created_at, seq)
       SELECT ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM metric_outbox) WHERE true ON CONFLICT (id) DO NOTHING`,
      event.id,
      JSON.stringify(event),
      event.at,
    );
  }

  pendingMetrics(limit: number): MetricEvent[] {
    // In number order; rows queued before numbering (no number) first, by time.
    return this.sql
      .exec<Row>("SELECT body, seq FROM metric_outbox WHERE sent = 0 ORDER BY seq, created_at, id LIMIT ?", limit)
      .toArray()
      .map((r) => {
        const event = JSON.parse(String(r.body)) as MetricEvent;
        return r.seq === null ? event : { ...event, seq: Number(r.seq) };
      });
  }

  pendingMetricCount(): number {
    return Number(this.sql.exec<Row>("SELECT count(*) AS n FROM metric_outbox WHERE sent = 0").one().n);
  }

  markMetricsSent(ids: readonly string[]): void {
    for (const id of ids) this.sql.exec("UPDATE metric_outbox SET sent = 1, body = '' WHERE id = ?", id);
    this.sql.exec("UPDATE header SET flush_failures = 0 WHERE singleton = 1");
  }

  /** Counts a failed flush and returns how many there have been in a row. */
  recordFlushFailure(): number {
    return Number(
      this.sql
        .exec<Row>("UPDATE header SET flush_failures = flush_failures + 1 WHERE singleton = 1 RETURNING flush_failures")
        .one().flush_failures,
    );
  }
}
