/**
 * The case Durable Object: a thin shell around the pure engine. It stores events durably before
 * acknowledging them, advances the workflow in short bursts from its alarm, parks on waits until a matching
 * event or the deadline, and ships metric events to libSQL through an outbox that survives outages.
 */
import { DurableObject } from "cloudflare:workers";
import { openDatabase, type MetricsDatabase } from "../../db/client.ts";
import {
  advanceCase,
  type Advance,
  digest,
  TERMINAL_STATUSES,
  verifyChain,
  type AuditActor,
  type AuditEntry,
  type CaseEvent,
  type ChainVerdict,
  type EventEnvelope,
  type PendingWait,
  type StepRecord,
  type WorkflowDefinition,
} from "../engine/index.ts";
import type { CaseIngestStatus } from "../ingest/dispatch.ts";
import { writeMetrics, type MetricEvent } from "../metrics/index.ts";
import { WORKFLOWS } from "../workflows/index.ts";
import type { Env } from "../env.ts";
import { CaseStore, type CaseHeader } from "./store.ts";

/**
 * What one alarm may spend before yielding to a fresh invocation. workerd's clock only moves across I/O, so
 * a burst of synchronous steps is bounded by count as well as by wall time.
 */
const BURST_MS = 5_000;
const BURST_STEPS = 200;
const METRIC_BATCH = 100;
const FLUSH_RETRY_MAX_MS = 5 * 60_000;

export interface CaseView {
  header: CaseHeader;
  events: Omit<CaseEvent, "payload">[];
  steps: StepRecord[];
  pendingMetrics: number;
}

const ENGINE: AuditActor = { kind: "engine", id: "crossflow" };
const ruleActor = (header: CaseHeader): AuditActor => ({ kind: "rule", id: `${header.workflowId}@v${header.workflowVersion}` });

/** Could this event end the wait? Only then is the case woken. */
function mayEndWait(wait: PendingWait | null, event: EventEnvelope): boolean {
  if (!wait) return false;
  return (wait.sources.length === 0 || wait.sources.includes(event.source)) && (wait.types.length === 0 || wait.types.includes(event.type));
}

export class CaseObject extends DurableObject<Env> {
  private readonly store: CaseStore;
  private metricsDb: MetricsDatabase | null = null;
  /** The deployed workflow versions; a case runs the one it opened with. */
  protected readonly workflows: readonly WorkflowDefinition[] = WORKFLOWS;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new CaseStore(ctx.storage);
  }

  /**
   * Stores a verified event once per (source, id) and answers only after it is durable. An event that may not
   * open a case is refused with `no_case` while none is open, so the caller can dead-letter it.
   */
  async ingest(event: EventEnvelope): Promise<{ status: CaseIngestStatus }> {
    const now = Date.now();
    // A redelivery is answered from a read, without opening a write transaction.
    if (this.store.hasEvent(event.source, event.id)) return { status: "duplicate" };
    const outcome = this.store.atomically((): { status: CaseIngestStatus; wake: boolean } => {
      let header = this.store.header();
      if (!header && !event.opens) return { status: "no_case", wake: false };
      if (!this.store.insertEvent(event)) return { status: "duplicate", wake: false };
      const opening = !header;
      if (!header) {
        this.store.openCase(event.caseKey, event.workflow, now);
        header = this.store.header()!;
        this.store.queueMetric(this.metric(header, "case.opened", now, { status: "open", detail: { source: event.source, type: event.type } }));
      }
      this.store.appendAudit({
        at: now,
        actor: { kind: "sender", id: event.source },
        action: "event.received",
        inputDigest: digest(event.payloadJson),
        detail: { eventId: event.id, type: event.type, receivedAt: event.receivedAt },
      });
      if (opening) {
        this.store.appendAudit({ at: now, actor: ENGINE, action: "case.opened", detail: { workflow: `${event.workflow.id}@v${event.workflow.version}`, caseKey: event.caseKey } });
        return { status: "accepted", wake: true };
      }
      return { status: "accepted", wake: header.status === "waiting" && mayEndWait(header.wait, event) };
    });
    if (outcome.wake) await this.ctx.storage.setAlarm(now);
    return { status: outcome.status };
  }

  /** The case as stored, for the case API and tests. */
  async view(): Promise<CaseView | null> {
    const header = this.store.header();
    if (!header) return null;
    return {
      header,
      events: this.store.events().map(({ payload: _payload, ...rest }) => rest),
      steps: this.store.steps(),
      pendingMetrics: this.store.pendingMetricCount(),
    };
  }

  /** The audit trail with its verification, for the case API. */
  async audit(): Promise<{ entries: AuditEntry[]; verification: ChainVerdict } | null> {
    if (!this.store.header()) return null;
    const entries = this.store.auditEntries();
    return { entries, verification: verifyChain(entries) };
  }

  async alarm(): Promise<void> {
    const { more, retryAt } = await this.runSteps();
    const flushed = await this.flushMetrics();
    const wakeups: number[] = [];
    const now = Date.now();
    if (more) wakeups.push(now);
    if (retryAt !== null) wakeups.push(retryAt);
    const deadline = this.store.header()?.wait?.deadline;
    if (deadline != null) wakeups.push(deadline);
    if (!flushed) {
      const failures = this.store.recordFlushFailure();
      wakeups.push(now + Math.min(FLUSH_RETRY_MAX_MS, 1000 * 2 ** Math.min(failures, 12)) * (0.5 + Math.random() / 2));
    }
    if (wakeups.length > 0) await this.ctx.storage.setAlarm(Math.min(...wakeups));
  }

  /**
   * Advances the case until it ends, waits, backs off a failed step, or spends its burst budget. `more`: run
   * again at once; `retryAt`: when a failed step may run again.
   */
  private async runSteps(): Promise<{ more: boolean; retryAt: number | null }> {
    const started = Date.now();
    for (let steps = 0; ; steps++) {
      const header = this.store.header();
      if (!header || TERMINAL_STATUSES.includes(header.status)) return { more: false, retryAt: null };
      if (steps >= BURST_STEPS || Date.now() - started > BURST_MS) return { more: true, retryAt: null };
      if (header.status === "open") {
        this.store.atomically(() => {
          const at = Date.now();
          this.store.updateHeader({ status: "running", at });
          this.store.queueMetric(this.metric(header, "case.status", at, { status: "running" }));
        });
      }
      const workflow = this.workflows.find((w) => w.id === header.workflowId && w.version === header.workflowVersion);
      const events = this.store.events();
      const retries = this.store.retries();
      const next = workflow
        ? await advanceCase({ workflow, caseKey: header.caseKey, input: events[0]?.payload, events, completed: this.store.steps(), pendingWait: header.wait, retries, now: Date.now })
        : ({ kind: "failed", error: { name: "WorkflowMissing", message: `workflow ${header.workflowId} v${header.workflowVersion} is not deployed` } } as Advance);
      if (next.kind === "retry") {
        const { stepId, retry } = next;
        this.store.atomically(() => {
          const at = Date.now();
          if (retries[stepId]?.failures === retry.failures) return; // woken early: nothing new to record
          this.store.setRetry(stepId, retry);
          this.store.appendAudit({ at, actor: ruleActor(header), action: "step.attempt_failed", stepId, detail: { failures: retry.failures, retryAt: retry.notBefore, error: retry.lastError } });
          this.store.queueMetric(this.metric(header, "step.retried", at, { stepId, detail: { failures: retry.failures, ...retry.lastError } }, String(retry.failures)));
        });
        return { more: false, retryAt: retry.notBefore };
      }
      const parked = this.store.atomically(() => {
        const at = Date.now();
        switch (next.kind) {
          case "failed":
            this.store.updateHeader({ status: "failed", at, closedAt: at, error: `${next.error.name}: ${next.error.message}` });
            this.store.appendAudit({ at, actor: ENGINE, action: "case.failed", stepId: next.error.stepId, detail: { error: next.error } });
            this.store.queueMetric(this.metric(header, "case.failed", at, { status: "failed", durationMs: at - header.openedAt, detail: next.error }));
            return true;
          case "waiting":
            // `wait` is cleared whenever the case leaves `waiting`, so a different step id means a new wait.
            if (header.wait?.stepId !== next.wait.stepId) {
              this.store.queueMetric(this.metric(header, "case.status", at, { status: "waiting", stepId: next.wait.stepId }));
              this.store.appendAudit({ at, actor: ruleActor(header), action: "case.waiting", stepId: next.wait.stepId, detail: { sources: [...next.wait.sources], types: [...next.wait.types], deadline: next.wait.deadline } });
            }
            this.store.updateHeader({ status: "waiting", at, wait: next.wait });
            return true;
          case "step":
          case "resolved":
            this.store.appendStep(next.record);
            if (retries[next.record.id]) this.store.clearRetry(next.record.id);
            this.store.appendAudit({
              at,
              actor: ruleActor(header),
              action: next.record.kind === "waitFor" ? (next.record.output === null ? "wait.timed_out" : "wait.matched") : "step.completed",
              stepId: next.record.id,
              outputDigest: digest(next.record.output ?? null),
              detail: { kind: next.record.kind, durationMs: next.record.finishedAt - next.record.startedAt },
            });
            this.store.queueMetric(this.metric(header, "step.completed", at, { stepId: next.record.id, durationMs: next.record.finishedAt - next.record.startedAt }));
            if (next.kind === "resolved") {
              this.store.updateHeader({ status: "resolved", at, closedAt: at, outcome: next.outcome.outcome });
              this.store.appendAudit({ at, actor: ruleActor(header), action: "case.resolved", detail: { outcome: next.outcome.outcome } });
              this.store.queueMetric(this.metric(header, "case.resolved", at, { status: "resolved", durationMs: at - header.openedAt, detail: { outcome: next.outcome.outcome } }));
              return true;
            }
            if (header.status !== "running") this.store.updateHeader({ status: "running", at });
            return false;
        }
      });
      if (parked) return { more: false, retryAt: null };
    }
  }

  /** Sends the outbox to libSQL; false when the database could not be reached (rows stay for the retry). */
  private async flushMetrics(): Promise<boolean> {
    if (this.store.pendingMetricCount() === 0) return true;
    const db = this.database();
    if (!db) {
      console.warn("metrics: TURSO_DATABASE_URL is not set; metric events stay in the case outbox");
      return false;
    }
    for (;;) {
      const batch = this.store.pendingMetrics(METRIC_BATCH);
      const header = this.store.header();
      if (!header || batch.length === 0) return true;
      try {
        await writeMetrics(db, batch, this.store.snapshot(header));
      } catch (error) {
        console.error(`metrics: flush for ${header.caseId} failed, will retry`, error);
        // Start the retry from a fresh client rather than one whose connection state is unknown.
        this.metricsDb = null;
        return false;
      }
      this.store.markMetricsSent(batch.map((e) => e.id));
      if (batch.length < METRIC_BATCH) return true;
    }
  }

  private database(): MetricsDatabase | null {
    if (!this.env.TURSO_DATABASE_URL) return null;
    this.metricsDb ??= openDatabase({ url: this.env.TURSO_DATABASE_URL, authToken: this.env.TURSO_AUTH_TOKEN });
    return this.metricsDb;
  }

  /** `occurrence` tells apart transitions that may repeat (the n-th failed attempt of a step). */
  private metric(header: CaseHeader, kind: MetricEvent["kind"], at: number, extra: Partial<MetricEvent>, occurrence = ""): MetricEvent {
    // Deterministic ids make every redelivery of the same transition the same row.
    const id = [header.caseId, kind, extra.status ?? "", extra.stepId ?? "", occurrence].join("|");
    return { id, caseId: header.caseId, caseKey: header.caseKey, workflowId: header.workflowId, workflowVersion: header.workflowVersion, kind, at, humanTouch: false, ...extra };
  }
}
