/**
 * A case's runtime shell around the pure engine, the same on every platform: it stores events and people's
 * decisions durably before acknowledging them, advances the workflow in short bursts when its alarm fires,
 * records each step attempt before its effect leaves (the outbox), parks on waits until a matching event, a
 * decision or the deadline, and ships metric events to libSQL through an outbox that survives outages.
 * The platform supplies the storage and the alarm (a Durable Object's, or Deno KV and its queue).
 */
import { agentSteps } from "../agent/agent-step.ts";
import type { AutonomyLevels, ModelResolver } from "../agent/types.ts";
import {
  type Advance,
  type AliasRegistry,
  type AuditEntry,
  advanceCase,
  advanceSurvey,
  type CaseIngestResult,
  type ChainVerdict,
  type EventEnvelope,
  isHumanWait,
  type PolicySource,
  type StepRecord,
  TERMINAL_STATUSES,
  verifyChain,
  type WorkflowDefinition,
} from "../engine/index.ts";
import type { MetricsDelivery } from "../metrics/index.ts";
import { log } from "../observability/index.ts";
import { ruleActor } from "./actors.ts";
import { type DecisionInput, type DecisionResult, recordDecision, recordRefusedAction } from "./decisions.ts";
import { storeEvent } from "./event-intake.ts";
import { type CaseJournal, caseJournal } from "./journal.ts";
import { metricFor } from "./metric-event.ts";
import { MetricsOutbox } from "./metrics-outbox.ts";
import { applyOperation, type CaseOperation, type OperationResult } from "./operations.ts";
import { type AlarmClock, atomicallyThenWake, type CaseHeader, type CaseStorage } from "./storage.ts";
import { applySurvey } from "./survey.ts";
import { applyAdvance } from "./transitions.ts";
import { type CaseView, caseView } from "./view.ts";

export type { DecisionInput, DecisionResult } from "./decisions.ts";
export type { CaseJournal } from "./journal.ts";
export type { CaseOperation, OperationResult } from "./operations.ts";
export type { CaseView, TimelineEntry } from "./view.ts";

/**
 * What one alarm may spend before yielding to a fresh invocation. workerd's clock only moves across I/O, so
 * a burst of synchronous steps is bounded by count as well as by wall time.
 */
const BURST_MS = 5_000;
const BURST_STEPS = 200;
const FLUSH_RETRY_MAX_MS = 5 * 60_000;

export interface CaseRuntimeOptions {
  /** The deployed workflow versions; a case runs the one it opened with. */
  workflows: readonly WorkflowDefinition[];
  now: () => number;
  /** Where metric batches go (the queue, or the database), or null when neither is configured (they wait in the outbox). */
  metrics: () => MetricsDelivery | null;
  /** Which model each agent step uses (from configuration); default: the offline rules model. */
  models?: ModelResolver;
  /** The autonomy level in force per workflow action (workers/rollouts/autonomy-levels.ts); default: each ladder's start. */
  autonomy?: AutonomyLevels;
  /** Configuration handed to workflow bodies (connector URLs and keys); `CROSSFLOW_TIME_SCALE` speeds up time for demos. */
  config?: Readonly<Record<string, unknown>>;
  /** Where `step.alias` records the ids other systems know a customer by (the platform's alias records). */
  aliases?: AliasRegistry;
  /** The policy versions in force (workers/rollouts/policies.ts); default: every policy at its declared defaults. */
  policies?: PolicySource;
  /** A shadow run's sandbox only: steps answered from production's record instead of running (workers/shadow). */
  recordedAnswer?: (stepId: string) => { output: unknown } | undefined;
  /**
   * Replay the body from the journal's start for every step, as before sticky bursts (within a burst the body
   * normally runs on, each step persisted as it completes). The records are the same either way; for the tests that
   * prove it and the bench that compares the two.
   */
  replayEachStep?: boolean;
}

/** `CROSSFLOW_TIME_SCALE` (≥ 1; 3600 makes an hour a second), for demos and tests; 1 when unset or invalid. */
export function timeScaleOf(config: Readonly<Record<string, unknown>> | undefined): number {
  const scale = Number(config?.CROSSFLOW_TIME_SCALE ?? 1);
  return Number.isFinite(scale) && scale >= 1 ? scale : 1;
}

export class CaseRuntime {
  /** Bursts that threw in a row, for the backoff before the next one (memory is enough: it only paces). */
  private failedBursts = 0;

  /** The agent step plugged into the engine, with this deployment's models. */
  private readonly agentSteps: ReturnType<typeof agentSteps>;
  private readonly metricsOutbox: MetricsOutbox;

  constructor(
    private readonly store: CaseStorage,
    private readonly timer: AlarmClock,
    private readonly options: CaseRuntimeOptions,
  ) {
    this.agentSteps = agentSteps(options.models, options.autonomy);
    this.metricsOutbox = new MetricsOutbox(store, options);
  }

  private now(): number {
    return this.options.now();
  }

  /**
   * Stores a verified event once per (source, id) and answers only after it is durable. An event that may not
   * open a case is refused with `no_case` while none is open, so the caller can dead-letter it. A key has at most
   * one open case: once this one ended, an opening event makes the key's next case (`forward`, recorded here as the
   * successor, so concurrent events agree on it) unless the workflow keeps one case per key (`afterEnd`), and every
   * later event is passed on along the successors. Events this case stored stay duplicates here.
   */
  async ingest(event: EventEnvelope): Promise<CaseIngestResult> {
    const now = this.now();
    // A redelivery is answered from a read, without opening a write transaction.
    if (this.store.hasEvent(event.source, event.id)) return { status: "duplicate" };
    const { wake: _, ...result } = await atomicallyThenWake(
      this.store,
      this.timer,
      () => storeEvent(this.store, event, now, this.options.workflows),
      (stored) => (stored.wake ? now : null),
    );
    return result;
  }

  /**
   * A person's decision on the step the case waits for. It is checked against the wait's task (role, two-person
   * rule, no self-approval, one decision per person), stored as a case event and audited; a refused one is
   * audited too and changes nothing else. Null when there is no case.
   */
  async decide(input: DecisionInput): Promise<DecisionResult | null> {
    const now = this.now();
    // A refusal is audited too: the case wakes so its outbox anchors it (it changes nothing else).
    return atomicallyThenWake(
      this.store,
      this.timer,
      () => recordDecision(this.store, input, now, this.options.workflows),
      (result) => (result && result.status !== "duplicate" ? now : null),
    );
  }

  /**
   * An operator's retry, cancellation or reassignment (workers/case/operations.ts): checked, audited with who and
   * why, idempotent by the operation's id. Null when there is no case.
   */
  async operate(op: CaseOperation): Promise<OperationResult | null> {
    const now = this.now();
    // A retry runs the case now; a cancellation and a reassignment wake it so its outbox ships them.
    return atomicallyThenWake(
      this.store,
      this.timer,
      () => applyOperation(this.store, op, now, this.options.workflows),
      (result) => (result && result.status === "accepted" ? now : null),
    );
  }

  /** Audits a human action the case API refused before it reached `decide` (a malformed body); false: no case. */
  async refuseAction(actorId: string | null, refusal: { code: string; message: string }): Promise<boolean> {
    const now = this.now();
    // Woken so the outbox anchors the refusal outside the case.
    return atomicallyThenWake(
      this.store,
      this.timer,
      () => recordRefusedAction(this.store, actorId, refusal, now),
      (audited) => (audited ? now : null),
    );
  }

  /** The case's own row (status, wait, its place among its key's cases), or null when there is no case. */
  async head(): Promise<CaseHeader | null> {
    return this.store.header();
  }

  /** The case as stored, for the case API and tests. */
  async view(): Promise<CaseView | null> {
    return caseView(this.store);
  }

  /** The case's journal (header, events with payloads, completed steps) for shadow runs; null when there is no case. */
  async journal(): Promise<CaseJournal | null> {
    return caseJournal(this.store);
  }

  /** The audit trail with its verification, for the case API. */
  async audit(): Promise<{ entries: AuditEntry[]; verification: ChainVerdict } | null> {
    if (!this.store.header()) return null;
    const entries = this.store.auditEntries();
    return { entries, verification: verifyChain(entries) };
  }

  async alarm(): Promise<void> {
    let burst: { more: boolean; retryAt: number | null };
    try {
      burst = await this.runSteps();
      // What the burst staged (its steps' results, the case's status) is durable before anything reads the outcome.
      await this.store.atomically(() => undefined);
      this.failedBursts = 0;
    } catch (error) {
      // Storage refused a step's record (or the runner broke): nothing of that step was kept, so its open attempt
      // resumes under the same idempotency key. Come back with backoff rather than rely on the platform's retries.
      this.failedBursts++;
      log.error("case burst failed, will resume", {
        case: this.store.header()?.caseId,
        workflow: this.store.header()?.workflowId,
        version: this.store.header()?.workflowVersion,
        failures: this.failedBursts,
        error,
      });
      await this.timer.set(this.now() + Math.min(FLUSH_RETRY_MAX_MS, 1000 * 2 ** Math.min(this.failedBursts - 1, 12)));
      return;
    }
    const { more, retryAt } = burst;
    const flushed = await this.metricsOutbox.flush();
    const wakeups: number[] = [];
    const now = this.now();
    if (more) wakeups.push(now);
    if (retryAt !== null) wakeups.push(retryAt);
    const wait = this.store.header()?.wait ?? null;
    if (wait?.deadline != null) wakeups.push(wait.deadline);
    // A person's task is watched until its SLA passes: the case wakes to record the breach and move the task on.
    if (isHumanWait(wait) && wait.human.slaDeadline !== null && wait.human.slaBreachedAt === undefined)
      wakeups.push(wait.human.slaDeadline);
    if (!flushed) {
      const failures = await this.store.atomically(() => this.store.recordFlushFailure());
      wakeups.push(now + Math.min(FLUSH_RETRY_MAX_MS, 1000 * 2 ** Math.min(failures, 12)) * (0.5 + Math.random() / 2));
    }
    // An event may have set the alarm while this one awaited I/O (the metrics flush): keep the earlier time.
    const setMeanwhile = await this.timer.get();
    if (setMeanwhile !== null) wakeups.push(setMeanwhile);
    if (wakeups.length > 0) await this.timer.set(Math.min(...wakeups));
  }

  /**
   * Advances the case until it ends, parks, backs off a failed step, or spends its burst budget. `more`: run
   * again at once; `retryAt`: when a failed step (or an SLA notice, while a person's task waits) may run again.
   * The journal is read once per burst and extended in memory; events are re-read incrementally, since one may
   * arrive while a step's effect is in flight. Sticky: the body runs on through the burst, each completed step
   * recorded in its own transaction as it comes (`persistStep`), so step n does not replay the n − 1 before it;
   * a crash between two of them leaves the journal as the replay path would, and the next alarm replays from it.
   * Results are staged (`CaseStorage.stage`): each is durable with the next commit, the next step's attempt record
   * (before its effect leaves the case) or the burst's end, so a step costs one commit instead of two; a crash in
   * between repeats the step under its idempotency key, as a crash before its record's commit always did.
   */
  private async runSteps(): Promise<{ more: boolean; retryAt: number | null }> {
    const started = this.now();
    const events = this.store.events();
    const completed = this.store.steps();
    const retries = this.store.retries();
    for (let steps = 0; ; steps++) {
      const header = this.store.header();
      if (!header || TERMINAL_STATUSES.includes(header.status))
        return header && this.surveyDue(header) ? this.runSurvey(header) : { more: false, retryAt: null };
      if (steps >= BURST_STEPS || this.now() - started > BURST_MS) return { more: true, retryAt: null };
      if (header.status === "open") {
        this.store.stage(() => {
          const at = this.now();
          this.store.updateHeader({ status: "running", at });
          this.store.queueMetric(metricFor(header, "case.status", at, { status: "running" }));
        });
      }
      events.push(...this.store.events(events.at(-1)?.seq ?? 0));
      const workflow = this.options.workflows.find(
        (w) => w.id === header.workflowId && w.version === header.workflowVersion,
      );
      // The header each result is recorded against, as a replay would read it before its step: sticky steps move it.
      let current = header;
      const persistStep = async (record: StepRecord): Promise<boolean> => {
        // The last step the burst allows, or one after a new event (a later wait may match it), ends the call, so
        // the next starts with the event and the checks above run as they would after any step.
        if (steps + 1 >= BURST_STEPS || this.now() - started > BURST_MS) return false;
        if (this.store.events(events.at(-1)?.seq ?? 0).length > 0) return false;
        const kept = this.store.stage(() => {
          if (this.endedMeanwhile(current)) return false;
          applyAdvance(this.store, current, { kind: "step", record }, this.now(), retries, workflow);
          return true;
        });
        if (!kept) return false;
        completed.push(record);
        delete retries[record.id];
        steps++;
        current = this.store.header() ?? current;
        return true;
      };
      const next: Advance = workflow
        ? await advanceCase({
            workflow,
            caseKey: header.caseKey,
            // The opening event's payload: the one the workflow's trigger took, typed by that trigger.
            input: events[0]?.payload as never,
            events,
            completed,
            pendingWait: header.wait,
            retries,
            now: () => this.now(),
            beginAttempt: (stepId, key) => this.beginAttempt(header, stepId, key),
            extend: this.agentSteps,
            config: this.options.config,
            timeScale: timeScaleOf(this.options.config),
            aliases: this.options.aliases,
            policies: this.options.policies,
            caseSeq: header.seq,
            recordedAnswer: this.options.recordedAnswer,
            ...(this.options.replayEachStep ? {} : { persistStep }),
          })
        : {
            kind: "failed",
            error: {
              name: "WorkflowMissing",
              message: `workflow ${header.workflowId} v${header.workflowVersion} is not deployed`,
            },
          };
      const stop = this.store.stage(() =>
        // An operator may have ended the case while this step's function was out (a cancellation): its result is
        // dropped rather than let it reopen the case.
        this.endedMeanwhile(current) ? true : applyAdvance(this.store, current, next, this.now(), retries, workflow),
      );
      if (next.kind === "step" || next.kind === "resolved" || next.kind === "sla") {
        completed.push(next.record);
        delete retries[next.record.id];
      }
      if (next.kind === "retry") retries[next.stepId] = next.retry;
      if (next.kind === "waiting" && next.retry) retries[next.retry.stepId] = next.retry.state;
      if (stop)
        return {
          // A resolution its workflow surveys: the next burst asks the question (the case is resolved already).
          more: next.kind === "resolved" && workflow?.satisfaction !== undefined,
          retryAt:
            next.kind === "retry" ? next.retry.notBefore : next.kind === "waiting" ? (next.wakeAt ?? null) : null,
        };
    }
  }

  /** The case resolved under a version that declares a satisfaction survey. */
  private surveyDue(header: CaseHeader): boolean {
    return header.status === "resolved" && this.workflowOf(header)?.satisfaction !== undefined;
  }

  private workflowOf(header: CaseHeader): WorkflowDefinition | undefined {
    return this.options.workflows.find((w) => w.id === header.workflowId && w.version === header.workflowVersion);
  }

  /**
   * The survey of a resolved case (workers/case/survey.ts), step by step until it parks on the reply, backs off a
   * failed send, or has recorded its result. The case's journal holds its records after the resolution's.
   */
  private async runSurvey(header: CaseHeader): Promise<{ more: boolean; retryAt: number | null }> {
    const workflow = this.workflowOf(header)!;
    const events = this.store.events();
    const retries = this.store.retries();
    for (let steps = 0; steps < 3; steps++) {
      const current = this.store.header() ?? header;
      const next = await advanceSurvey({
        workflow,
        caseKey: current.caseKey,
        input: events[0]?.payload as never,
        events,
        completed: this.store.steps(),
        pendingWait: current.wait,
        retries,
        now: () => this.now(),
        beginAttempt: (stepId, key) => this.beginAttempt(current, stepId, key),
        config: this.options.config,
        timeScale: timeScaleOf(this.options.config),
        caseSeq: current.seq,
      });
      const stop = await this.store.atomically(() => applySurvey(this.store, current, next, this.now()));
      if (next.kind === "retry") return { more: false, retryAt: next.retry.notBefore };
      if (stop) return { more: false, retryAt: null };
    }
    return { more: true, retryAt: null };
  }

  /** True when the case reached an end since `before` was read (inside the transaction that would record a step). */
  private endedMeanwhile(before: CaseHeader): boolean {
    const now = this.store.header();
    return !now || (now.status !== before.status && TERMINAL_STATUSES.includes(now.status));
  }

  /** The outbox entry of an attempt, durable before the step's function (and its effect) runs. */
  private async beginAttempt(
    header: CaseHeader,
    stepId: string,
    idempotencyKey: string,
  ): Promise<{ attempt: number; resumed: boolean; firstAttemptAt: number }> {
    const begun = await this.store.atomically(() => {
      const at = this.now();
      const { attempt, resumed } = this.store.beginAttempt(stepId, idempotencyKey, at);
      if (resumed) {
        // The object stopped between this attempt's call and its record: run it again under the same key.
        this.store.appendAudit({
          at,
          actor: ruleActor(header),
          action: "step.attempt_resumed",
          stepId,
          detail: { attempt, idempotencyKey },
        });
      }
      // An earlier call of the step may have acted since its first attempt began: connectors without idempotency keys look from there.
      const earlier =
        resumed || attempt > 1
          ? this.store
              .attempts()
              .filter((a) => a.stepId === stepId)
              .map((a) => a.startedAt)
          : [];
      return { attempt, resumed, firstAttemptAt: Math.min(at, ...earlier) };
    });
    if (begun.resumed)
      log.warn("step attempt resumed after the case stopped between its call and its record", {
        case: header.caseId,
        workflow: header.workflowId,
        version: header.workflowVersion,
        step: stepId,
        attempt: begun.attempt,
      });
    return begun;
  }
}
