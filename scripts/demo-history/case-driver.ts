/**
 * One history case run by the real case runtime (the same `CaseRuntime` a Durable Object and the Deno host run) over
 * an in-memory store, on a clock of its own that the history moves: the opening event arrives at a past instant, the
 * case's timers fire at their own (past) times, customers answer and people decide at the moments the history picks.
 * Connectors reach the in-process simulators through the sandbox fetch (`CONNECTOR_FETCH`), never the network. The
 * metric batches the case's outbox hands over are kept, to be written through the live metrics writer.
 */
import type { ModelResolver } from "../../workers/agent/types.ts";
import { MemoryCaseStore } from "../../workers/case/memory-store.ts";
import { CaseRuntime } from "../../workers/case/runtime.ts";
import type { CaseHeader } from "../../workers/case/storage.ts";
import {
  type AuditEntry,
  type HumanActor,
  type HumanDecisionKind,
  routeEvent,
  TERMINAL_STATUSES,
  type WorkflowDefinition,
} from "../../workers/engine/index.ts";
import type { MetricBatch } from "../../workers/metrics/index.ts";

/** Alarms one case may fire before the history gives up on it (a case that neither parks nor ends). */
const MAX_BURSTS = 200;
/**
 * How far the case's clock moves each time the runtime reads it: a step's calls to other systems and a model's turn
 * take a few seconds in a live case, so a history case's steps take time too instead of all sharing one instant.
 */
const TICK_MS = 150;

export interface DriverOptions {
  /** Every deployed version: the case runs the one its opener names. */
  workflows: readonly WorkflowDefinition[];
  config: Readonly<Record<string, unknown>>;
  models?: ModelResolver;
}

/**
 * @example
 * const c = await HistoryCase.open(options, refundDisputeV1, { source: "zendesk", type: "ticket.created", payload }, at);
 * await c.decide(at + 3_600_000, "approve", { id: "ops-ana", roles: ["operator"] });
 */
export class HistoryCase {
  readonly batches: MetricBatch[] = [];
  private now: number;
  private readonly alarm = { at: null as number | null };
  private readonly runtime: CaseRuntime;
  private events = 0;

  private constructor(
    options: DriverOptions,
    private readonly workflow: WorkflowDefinition,
    readonly caseKey: string,
    openedAt: number,
  ) {
    this.now = openedAt;
    const alarm = this.alarm;
    this.runtime = new CaseRuntime(
      new MemoryCaseStore(async () => {}),
      {
        get: async () => alarm.at,
        set: async (at) => {
          alarm.at = at;
        },
        delete: async () => {
          alarm.at = null;
        },
      },
      {
        workflows: options.workflows,
        now: () => {
          this.now += TICK_MS;
          return this.now;
        },
        metrics: () => ({
          deliver: async (batch) => {
            this.batches.push(structuredClone(batch));
          },
        }),
        models: options.models,
        config: options.config,
        // History customers are no one's aliases: live routing must never find a history case.
        aliases: { register: async () => {} },
      },
    );
  }

  /** Opens the case with `opener` (routed as the ingest routes it) at `at`, and runs it until it parks or ends. */
  static async open(
    options: DriverOptions,
    workflow: WorkflowDefinition,
    opener: { source: string; type: string; payload: unknown },
    at: number,
  ): Promise<HistoryCase> {
    const route = routeEvent([workflow], opener.source, opener.type, opener.payload)[0];
    if (!route)
      throw new Error(`${workflow.id} v${workflow.version} takes no ${opener.source} ${opener.type} like this`);
    const c = new HistoryCase(options, workflow, route.caseKey, at);
    await c.deliver(at, opener, true);
    return c;
  }

  /** An event from another system (a customer's reply, a payment) at `at`, after every timer due before it. */
  async deliver(at: number, event: { source: string; type: string; payload: unknown }, opens = false): Promise<void> {
    await this.runUntil(at);
    const n = this.events++;
    await this.runtime.ingest({
      id: `history-${this.caseKey}-${n}`,
      source: event.source,
      type: event.type,
      receivedAt: this.now,
      caseKey: this.caseKey,
      workflow: { id: this.workflow.id, version: this.workflow.version },
      opens,
      payloadJson: JSON.stringify(event.payload),
    });
    await this.runUntil(this.now);
  }

  /** A person's decision on the task the case waits on, at `at`; false when it waits on no person. */
  async decide(
    at: number,
    decision: HumanDecisionKind,
    actor: HumanActor,
    extra: { outcome?: string; note?: string; minutesSpent?: number } = {},
  ): Promise<boolean> {
    await this.runUntil(at);
    const wait = (await this.head())?.wait;
    if (wait?.kind !== "human") return false;
    const result = await this.runtime.decide({
      id: `history-decision-${this.caseKey}-${this.events++}`,
      stepId: wait.stepId,
      decision,
      actor,
      ...extra,
    });
    await this.runUntil(this.now);
    return result?.status === "accepted";
  }

  /** Fires the case's timers due by `until`, moving its clock to each; the clock ends at `until`. */
  async runUntil(until: number): Promise<void> {
    // The clock moves as the case runs, so a burst that yields (its time budget spent) is due again at once.
    for (let bursts = 0; this.alarm.at !== null && this.alarm.at <= Math.max(until, this.now); bursts++) {
      if (bursts >= MAX_BURSTS) throw new Error(`history case ${this.caseKey} neither parked nor ended`);
      this.now = Math.max(this.now, this.alarm.at);
      this.alarm.at = null;
      await this.runtime.alarm();
    }
    this.now = Math.max(this.now, until);
  }

  /** When the case's next timer fires (a wait's deadline, an SLA, a retry), or null. */
  nextTimer(): number | null {
    return this.alarm.at;
  }

  async head(): Promise<CaseHeader | null> {
    return this.runtime.head();
  }

  /** The case's audit trail as the runtime wrote it (hash-chained; the history keeps its entries, not the chain). */
  async auditTrail(): Promise<AuditEntry[]> {
    return (await this.runtime.audit())?.entries ?? [];
  }

  async ended(): Promise<boolean> {
    const h = await this.head();
    return h !== null && TERMINAL_STATUSES.includes(h.status);
  }
}
