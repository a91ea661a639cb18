/**
 * A case's state held in memory, every write inside `atomically` recorded as a changed record and undone if the
 * transaction throws (memory-transaction.ts). A key-value adapter (Deno KV) loads the records into it and persists
 * the changes of each transaction atomically; the semantics match the SQLite store (values round-trip through JSON,
 * events are unique per source and id, sequences are dense).
 */
import {
  type AuditEntry,
  type AuditFields,
  type CaseEvent,
  caseId,
  chainEntry,
  type EventEnvelope,
  HUMAN_SOURCE,
  type RetryState,
  type StepRecord,
} from "../engine/index.ts";
import type { MetricEvent } from "../metrics/index.ts";
import { MemoryTransactions, type RecordKey } from "./memory-transaction.ts";
import type { CaseHeader, CaseStorage, HeaderChange, StepAttempt } from "./storage.ts";

export type { Persist, RecordChange, RecordKey } from "./memory-transaction.ts";

/** Records written before keys could have several cases lack `seq` and `successor`. */
type StoredHeader = Omit<CaseHeader, "caseId" | "seq" | "successor"> & { seq?: number; successor?: number | null };
interface StoredEvent {
  seq: number;
  source: string;
  id: string;
  type: string;
  receivedAt: number;
  occurredAt: number | null;
  payloadJson: string;
}

/** What stays of a metric event once handed over: that its id was used, and its number. */
interface SentMetric {
  sent: true;
  seq?: number;
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const eventKey = (source: string, id: string) => `${source}\n${id}`;

export class MemoryCaseStore extends MemoryTransactions implements CaseStorage {
  private head: StoredHeader | null = null;
  private readonly eventList: StoredEvent[] = [];
  private readonly eventIndex = new Map<string, number>();
  private readonly stepList: StepRecord[] = [];
  private readonly attemptList: StepAttempt[] = [];
  private readonly retryMap = new Map<string, RetryState>();
  private readonly auditList: AuditEntry[] = [];
  /** Metric events not yet handed to the metrics delivery. */
  private readonly outbox = new Map<string, MetricEvent>();
  /**
   * Ids of the metric events already handed over, kept (as small records) so a transition that queues the same id
   * again adds nothing, as before the number was given; and the last number given (`MetricEvent.seq`, 1, 2, 3…).
   */
  private readonly sentMetricIds = new Set<string>();
  private metricSeq = 0;

  /** Rebuilds the state from stored records (as `RecordChange.json` wrote them). */
  load(records: Iterable<{ key: RecordKey; json: string }>): void {
    for (const { key, json } of records) {
      const value = JSON.parse(json);
      switch (key[0]) {
        case "header":
          this.head = value;
          break;
        case "event":
          this.eventList.push(value);
          break;
        case "step":
          this.stepList[Number(key[1])] = value;
          break;
        case "attempt":
          this.attemptList.push(value);
          break;
        case "retry":
          this.retryMap.set(String(key[1]), value);
          break;
        case "audit":
          this.auditList.push(value);
          break;
        case "metric": {
          const record = value as MetricEvent | SentMetric;
          if ("sent" in record) this.sentMetricIds.add(String(key[1]));
          else this.outbox.set(String(key[1]), record);
          this.metricSeq = Math.max(this.metricSeq, record.seq ?? 0);
          break;
        }
      }
    }
    this.eventList.sort((a, b) => a.seq - b.seq);
    this.auditList.sort((a, b) => a.seq - b.seq);
    this.attemptList.sort(
      (a, b) => a.startedAt - b.startedAt || a.stepId.localeCompare(b.stepId) || a.attempt - b.attempt,
    );
    for (const e of this.eventList) this.eventIndex.set(eventKey(e.source, e.id), e.seq);
  }

  insertEvent(event: EventEnvelope): boolean {
    const k = eventKey(event.source, event.id);
    if (this.eventIndex.has(k)) return false;
    const stored: StoredEvent = {
      seq: (this.eventList.at(-1)?.seq ?? 0) + 1,
      source: event.source,
      id: event.id,
      type: event.type,
      receivedAt: event.receivedAt,
      occurredAt: event.occurredAt ?? null,
      payloadJson: event.payloadJson,
    };
    this.eventList.push(stored);
    this.eventIndex.set(k, stored.seq);
    this.write(["event", stored.seq], JSON.stringify(stored), () => {
      this.eventList.pop();
      this.eventIndex.delete(k);
    });
    return true;
  }

  /**
   * The least of this case an event's ingest reads, as records `load` takes: its header, its events' identities
   * (the payloads left out) and its last audit entry, which the next one chains to. A case host keeps them for a case
   * it evicts from memory, so an event into it is stored without reading the case back; a store loaded from them
   * serves only `storeEvent` into a case that has not ended (which reads nothing else and writes new records only).
   */
  ingestRecords(): { key: RecordKey; json: string }[] {
    const records: { key: RecordKey; json: string }[] = [];
    if (this.head) records.push({ key: ["header"], json: JSON.stringify(this.head) });
    for (const { seq, source, id } of this.eventList) {
      const identity: StoredEvent = { seq, source, id, type: "", receivedAt: 0, occurredAt: null, payloadJson: "" };
      records.push({ key: ["event", seq], json: JSON.stringify(identity) });
    }
    const last = this.auditList.at(-1);
    if (last) records.push({ key: ["audit", last.seq], json: JSON.stringify(last) });
    return records;
  }

  hasEvent(source: string, id: string): boolean {
    return this.eventIndex.has(eventKey(source, id));
  }

  events(afterSeq = 0): CaseEvent[] {
    return this.eventList
      .filter((e) => e.seq > afterSeq)
      .map((e) => ({
        seq: e.seq,
        source: e.source,
        id: e.id,
        type: e.type,
        receivedAt: e.receivedAt,
        payload: JSON.parse(e.payloadJson),
      }));
  }

  hasHumanDecisions(): boolean {
    return this.eventList.some((e) => e.source === HUMAN_SOURCE);
  }

  header(): CaseHeader | null {
    if (!this.head) return null;
    // Cases stored before keys could have several cases are the key's first, with no successor.
    const { seq = 1, successor = null, ...head } = clone(this.head);
    return { ...head, seq, successor, caseId: caseId(head.workflowId, head.caseKey, seq) };
  }

  private setHeader(next: StoredHeader): void {
    const previous = this.head;
    this.head = next;
    this.write(["header"], JSON.stringify(next), () => (this.head = previous));
  }

  openCase(caseKey: string, workflow: { id: string; version: number }, at: number, seq = 1): void {
    this.setHeader({
      caseKey,
      workflowId: workflow.id,
      workflowVersion: workflow.version,
      status: "open",
      openedAt: at,
      updatedAt: at,
      closedAt: null,
      outcome: null,
      error: null,
      wait: null,
      flushFailures: 0,
      seq,
      successor: null,
    });
  }

  setSuccessor(seq: number): void {
    if (this.head) this.setHeader({ ...this.head, successor: seq });
  }

  updateHeader(change: HeaderChange): void {
    if (!this.head) return;
    this.setHeader({
      ...this.head,
      status: change.status,
      updatedAt: change.at,
      closedAt: change.closedAt ?? this.head.closedAt,
      outcome: change.outcome ?? this.head.outcome,
      error: change.error ?? this.head.error,
      wait: change.wait ? clone(change.wait) : null,
    });
  }

  steps(): StepRecord[] {
    return clone(this.stepList);
  }

  appendStep(record: StepRecord): void {
    const { audit: _audit, ...journal } = record; // how it is audited is not part of the journal
    const json = JSON.stringify(journal); // throws for what storage cannot hold (as the SQLite store does)
    const index = this.stepList.length;
    this.stepList.push(JSON.parse(json));
    this.write(["step", index], json, () => this.stepList.pop());
  }

  /**
   * Each step's attempts in stored order, so beginning and finishing one does not scan every attempt of the case (a
   * step late in a long case paid for all before it). Built from `attemptList` when first needed or when that list
   * changed without it (a load).
   */
  private attemptsByStep = new Map<string, StepAttempt[]>();
  private indexedAttempts = -1;

  private attemptsOf(stepId: string): StepAttempt[] {
    if (this.indexedAttempts !== this.attemptList.length) {
      this.attemptsByStep.clear();
      for (const a of this.attemptList) {
        const list = this.attemptsByStep.get(a.stepId);
        if (list) list.push(a);
        else this.attemptsByStep.set(a.stepId, [a]);
      }
      this.indexedAttempts = this.attemptList.length;
    }
    let list = this.attemptsByStep.get(stepId);
    if (!list) {
      list = [];
      this.attemptsByStep.set(stepId, list);
    }
    return list;
  }

  beginAttempt(stepId: string, idempotencyKey: string, at: number): { attempt: number; resumed: boolean } {
    const mine = this.attemptsOf(stepId);
    const open = mine.find((a) => a.finishedAt === null);
    if (open) return { attempt: open.attempt, resumed: true };
    const attempt = Math.max(0, ...mine.map((a) => a.attempt)) + 1;
    const record: StepAttempt = { stepId, attempt, idempotencyKey, startedAt: at, finishedAt: null, outcome: null };
    this.attemptList.push(record);
    mine.push(record);
    this.indexedAttempts = this.attemptList.length;
    this.write(["attempt", stepId, attempt], JSON.stringify(record), () => {
      this.attemptList.pop();
      mine.pop();
      this.indexedAttempts = this.attemptList.length;
    });
    return { attempt, resumed: false };
  }

  finishAttempt(stepId: string, outcome: "succeeded" | "failed", at: number): void {
    const open = this.attemptsOf(stepId).find((a) => a.finishedAt === null);
    if (!open) return;
    open.finishedAt = at;
    open.outcome = outcome;
    this.write(["attempt", stepId, open.attempt], JSON.stringify(open), () => {
      open.finishedAt = null;
      open.outcome = null;
    });
  }

  attempts(): StepAttempt[] {
    return clone(this.attemptList);
  }

  retries(): Record<string, RetryState> {
    return Object.fromEntries([...this.retryMap].map(([k, v]) => [k, clone(v)]));
  }

  setRetry(stepId: string, state: RetryState): void {
    const previous = this.retryMap.get(stepId);
    this.retryMap.set(stepId, clone(state));
    this.write(["retry", stepId], JSON.stringify(state), () =>
      previous ? this.retryMap.set(stepId, previous) : this.retryMap.delete(stepId),
    );
  }

  clearRetry(stepId: string): void {
    const previous = this.retryMap.get(stepId);
    if (!previous) return;
    this.retryMap.delete(stepId);
    this.write(["retry", stepId], null, () => this.retryMap.set(stepId, previous));
  }

  appendAudit(fields: AuditFields): AuditEntry {
    const entry = chainEntry(this.auditList.at(-1) ?? null, fields);
    const json = JSON.stringify(entry);
    this.auditList.push(JSON.parse(json));
    this.write(["audit", entry.seq], json, () => this.auditList.pop());
    return entry;
  }

  auditEntries(afterSeq = 0): AuditEntry[] {
    // Seqs are dense from 1, so the entries after `afterSeq` start at that index.
    return clone(afterSeq > 0 ? this.auditList.slice(afterSeq) : this.auditList);
  }

  queueMetric(event: MetricEvent): void {
    if (this.outbox.has(event.id) || this.sentMetricIds.has(event.id)) return;
    const numbered: MetricEvent = { ...clone(event), seq: ++this.metricSeq };
    this.outbox.set(event.id, numbered);
    this.write(["metric", event.id], JSON.stringify(numbered), () => {
      this.outbox.delete(event.id);
      this.metricSeq--;
    });
  }

  pendingMetrics(limit: number): MetricEvent[] {
    // In number order (the writer applies a case's events in it); events queued before numbering first, by time.
    const order = (e: MetricEvent) => e.seq ?? 0;
    return [...this.outbox.values()]
      .sort((a, b) => order(a) - order(b) || a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, limit)
      .map(clone);
  }

  pendingMetricCount(): number {
    return this.outbox.size;
  }

  markMetricsSent(ids: readonly string[]): void {
    for (const id of ids) {
      const previous = this.outbox.get(id);
      if (!previous) continue;
      this.outbox.delete(id);
      this.sentMetricIds.add(id);
      const sent: SentMetric = { sent: true, ...(previous.seq !== undefined ? { seq: previous.seq } : {}) };
      this.write(["metric", id], JSON.stringify(sent), () => {
        this.outbox.set(id, previous);
        this.sentMetricIds.delete(id);
      });
    }
    if (this.head && this.head.flushFailures !== 0) this.setHeader({ ...this.head, flushFailures: 0 });
  }

  recordFlushFailure(): number {
    if (!this.head) return 0;
    this.setHeader({ ...this.head, flushFailures: this.head.flushFailures + 1 });
    return this.head.flushFailures;
  }
}
