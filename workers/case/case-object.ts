/**
 * The case Durable Object: a thin shell around the pure engine. It stores events durably before
 * acknowledging them, advances the workflow in short bursts from its alarm, and ships metric events to
 * libSQL through an outbox that survives crashes and outages.
 */
import { DurableObject } from "cloudflare:workers";
import { openDatabase, type MetricsDatabase } from "../../db/client.ts";
import { advanceCase, TERMINAL_STATUSES, type EventEnvelope, type StepRecord } from "../engine/index.ts";
import type { MetricEvent } from "../metrics/index.ts";
import { writeMetrics } from "../metrics/index.ts";
import { findWorkflow } from "../workflows/index.ts";
import type { Env } from "../env.ts";
import { CaseStore, type CaseHeader, type StoredEvent } from "./store.ts";

/** Wall time one alarm may spend running steps before yielding to a fresh invocation. */
const BURST_MS = 5_000;
const METRIC_BATCH = 100;
const FLUSH_RETRY_MAX_MS = 5 * 60_000;

export interface IngestResult {
  caseKey: string;
  duplicate: boolean;
  status: CaseHeader["status"];
}

export interface CaseView {
  header: CaseHeader;
  events: Omit<StoredEvent, "payload">[];
  steps: StepRecord[];
  pendingMetrics: number;
}

export class CaseObject extends DurableObject<Env> {
  private readonly store: CaseStore;
  private metricsDb: MetricsDatabase | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new CaseStore(ctx.storage);
  }

  /** Stores a verified event once per delivery id; resolves only after it is durable. */
  async ingest(event: EventEnvelope): Promise<IngestResult> {
    const now = Date.now();
    const result = this.store.atomically(() => {
      const fresh = this.store.insertEvent(event);
      let header = this.store.header();
      if (fresh && !header) {
        this.store.openCase(event.caseKey, event.workflow, now);
        header = this.store.header()!;
        this.store.queueMetric(this.metric(header, "case.opened", now, { status: "open", detail: { source: event.source, type: event.type } }));
      }
      return { fresh, header: header! };
    });
    if (result.fresh) await this.ctx.storage.setAlarm(now);
    return { caseKey: result.header.caseKey, duplicate: !result.fresh, status: result.header.status };
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

  async alarm(): Promise<void> {
    const needsMoreTime = await this.runSteps();
    const flushed = await this.flushMetrics();
    if (needsMoreTime) await this.ctx.storage.setAlarm(Date.now());
    else if (!flushed) {
      const failures = this.store.recordFlushFailure();
      const delay = Math.min(FLUSH_RETRY_MAX_MS, 1000 * 2 ** Math.min(failures, 12)) * (0.5 + Math.random() / 2);
      await this.ctx.storage.setAlarm(Date.now() + delay);
    }
  }

  /** Advances the case one step at a time until it ends or the burst budget is spent; true if it must continue. */
  private async runSteps(): Promise<boolean> {
    const started = Date.now();
    for (;;) {
      const header = this.store.header();
      if (!header || TERMINAL_STATUSES.includes(header.status)) return false;
      if (Date.now() - started > BURST_MS) return true;
      const workflow = findWorkflow(header.workflowId, header.workflowVersion);
      if (header.status === "open") {
        this.store.atomically(() => {
          const at = Date.now();
          this.store.updateHeader({ status: "running", at });
          this.store.queueMetric(this.metric(header, "case.status", at, { status: "running" }));
        });
      }
      const next = workflow
        ? await advanceCase({ workflow, caseKey: header.caseKey, input: this.store.firstPayload(), completed: this.store.steps(), now: Date.now })
        : ({ kind: "failed", error: { name: "WorkflowMissing", message: `workflow ${header.workflowId} v${header.workflowVersion} is not deployed` } } as const);
      this.store.atomically(() => {
        const at = Date.now();
        if (next.kind === "failed") {
          this.store.updateHeader({ status: "failed", at, closedAt: at, error: `${next.error.name}: ${next.error.message}` });
          this.store.queueMetric(this.metric(header, "case.failed", at, { status: "failed", durationMs: at - header.openedAt, detail: next.error }));
          return;
        }
        this.store.appendStep(next.record);
        this.store.queueMetric(
          this.metric(header, "step.completed", at, { stepId: next.record.id, durationMs: next.record.finishedAt - next.record.startedAt }),
        );
        if (next.kind === "resolved") {
          this.store.updateHeader({ status: "resolved", at, closedAt: at, outcome: next.outcome.outcome });
          this.store.queueMetric(
            this.metric(header, "case.resolved", at, { status: "resolved", durationMs: at - header.openedAt, detail: { outcome: next.outcome.outcome } }),
          );
        }
      });
    }
  }

  /** Sends the outbox to libSQL; false when the database could not be reached (rows stay for the retry). */
  private async flushMetrics(): Promise<boolean> {
    const db = this.database();
    if (!db) {
      console.warn("metrics: TURSO_DATABASE_URL is not set; metric events stay in the case outbox");
      return this.store.pendingMetricCount() === 0;
    }
    for (;;) {
      const batch = this.store.pendingMetrics(METRIC_BATCH);
      const header = this.store.header();
      if (!header) return true;
      try {
        await writeMetrics(db, batch, this.store.snapshot(header));
      } catch (error) {
        console.error(`metrics: flush for ${header.caseKey} failed, will retry`, error);
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

  private metric(header: CaseHeader, kind: MetricEvent["kind"], at: number, extra: Partial<MetricEvent>): MetricEvent {
    // Deterministic ids make every retry of the same transition the same row.
    const id = `${header.caseKey}|${kind}|${extra.stepId ?? extra.status ?? ""}`;
    return { id, caseKey: header.caseKey, workflowId: header.workflowId, workflowVersion: header.workflowVersion, kind, at, humanTouch: false, ...extra };
  }
}
