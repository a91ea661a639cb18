/**
 * The case's metric outbox, shipped to libSQL: every metric event is queued in the same storage transaction as the
 * state change it measures, and handed to the delivery (the queue, or the database directly) in batches with the case
 * summary row and its audit chain head (anchored outside the case). A failed hand-off leaves the rows for the retry.
 * The store numbers the events 1, 2, 3… as they are queued and hands them out in that order, so the writer checks a
 * batch against the case's last applied number instead of a key per event (workers/metrics/numbering.ts).
 */
import { isHumanWait, type WorkflowDefinition } from "../engine/index.ts";
import { CaseFactsFold, type CaseSnapshot, type MetricsDelivery } from "../metrics/index.ts";
import { log } from "../observability/index.ts";
import type { CaseHeader, CaseStorage } from "./storage.ts";

const METRIC_BATCH = 100;

export class MetricsOutbox {
  private metricsDelivery: MetricsDelivery | null = null;
  private warnedNoMetrics = false;
  /**
   * The audit seq this isolate last anchored. Entries audited without a metric event (a refused decision, an ended
   * case passing an event on) still move the chain head, and it is anchored with an empty batch. Unknown after a
   * restart: the first flush then anchors again (an anchor is written once per seq, so a repeat changes nothing).
   */
  private anchoredSeq: number | null = null;
  /**
   * The case's facts folded over its audit trail up to its last entry read: a flush reads only the entries added
   * since, so it costs the same at a case's thousandth step as at its tenth. Rebuilt from the whole trail once per
   * isolate (after a restart, or a failed commit that dropped this runtime).
   */
  private facts: { fold: CaseFactsFold; head: { seq: number; hash: string } | null } | null = null;

  constructor(
    private readonly store: CaseStorage,
    private readonly options: { metrics: () => MetricsDelivery | null; workflows: readonly WorkflowDefinition[] },
  ) {}

  /** Hands the outbox to the metrics delivery (queue or database); false when it failed (rows stay for the retry). */
  async flush(): Promise<boolean> {
    if (this.store.pendingMetricCount() === 0 && !this.headMoved()) return true;
    const delivery = this.delivery();
    if (!delivery) {
      if (!this.warnedNoMetrics)
        log.warn(
          "metrics: neither METRICS_QUEUE nor TURSO_DATABASE_URL is set; metric events stay in the case outbox",
          { case: this.store.header()?.caseId },
        );
      this.warnedNoMetrics = true;
      return false;
    }
    for (;;) {
      const events = this.store.pendingMetrics(METRIC_BATCH);
      const header = this.store.header();
      if (!header || (events.length === 0 && !this.headMoved())) return true;
      const { snapshot, auditHead } = this.snapshot(header);
      try {
        await delivery.deliver({
          events: events.map((e) => ({ ...e, exception: snapshot.exception })),
          snapshot,
          ...(auditHead ? { auditHead } : {}),
        });
      } catch (error) {
        log.error("metrics: flush failed, will retry", {
          case: header.caseId,
          workflow: header.workflowId,
          version: header.workflowVersion,
          events: events.length,
          error,
        });
        // Start the retry from a fresh connection rather than one whose state is unknown.
        this.metricsDelivery = null;
        return false;
      }
      this.anchoredSeq = auditHead?.seq ?? 0;
      if (events.length > 0) await this.store.atomically(() => this.store.markMetricsSent(events.map((e) => e.id)));
      if (events.length < METRIC_BATCH) return true;
    }
  }

  /** Whether the chain head moved past what this isolate last anchored. */
  private headMoved(): boolean {
    if (!this.store.header()) return false;
    return this.anchoredSeq === null || this.store.auditEntries(this.anchoredSeq).length > 0;
  }

  private delivery(): MetricsDelivery | null {
    this.metricsDelivery ??= this.options.metrics();
    return this.metricsDelivery;
  }

  /**
   * The case summary row the dashboard reads (header fields plus the facts measured from the audit trail), and the
   * audit chain head it is anchored with outside the case.
   */
  private snapshot(header: CaseHeader): { snapshot: CaseSnapshot; auditHead: { seq: number; hash: string } | null } {
    const { caseId, caseKey, workflowId, workflowVersion, status, openedAt, updatedAt, closedAt, outcome } = header;
    if (!this.facts) {
      const workflow = this.options.workflows.find((w) => w.id === workflowId && w.version === workflowVersion);
      this.facts = { fold: new CaseFactsFold(workflow ?? { minutesPerCase: 0 }), head: null };
    }
    const added = this.store.auditEntries(this.facts.head?.seq ?? 0);
    this.facts.fold.add(added);
    const last = added.at(-1);
    if (last) this.facts.head = { seq: last.seq, hash: last.hash };
    const facts = this.facts.fold.facts(status);
    const head = this.facts.head;
    const snapshot = {
      caseId,
      caseKey,
      workflowId,
      workflowVersion,
      status,
      openedAt,
      updatedAt,
      closedAt,
      outcome,
      humanTouch: facts.humanDecisions > 0,
      revision: head?.seq ?? 0,
      awaitingPerson: isHumanWait(header.wait),
      ...facts,
    };
    return { snapshot, auditHead: head ? { seq: head.seq, hash: head.hash } : null };
  }
}
