/**
 * The replay context every step kind runs over: the case's journal (completed steps, in order), its events, its
 * clock and its pending wait. A step either replays its recorded result or does one new thing and stops the body
 * (`Suspend`) with what the shell must persist, so every step is durable before the next begins. A function step's
 * attempts are in attempts.ts, a person's hand-off in handoff.ts, the memoised run the step kinds share in steps/run.ts.
 */
import { type AttemptSite, attempt } from "./attempts.ts";
import { digest } from "./audit.ts";
import { parseDuration } from "./duration.ts";
import { asList, matches } from "./matcher.ts";
import { type SlaContext, slaRecordPrefix } from "./sla.ts";
import { type Advance, type AttemptStart, NonDeterminismError, Suspend } from "./suspend.ts";
import type { CaseEvent, Duration, RetryState, StepKind, StepRecord } from "./types/case.ts";
import type { PendingWait, SlaNotifier } from "./types/human.ts";
import type { AliasRegistry, EventMatcher, PolicySource, WorkflowDefinition } from "./types/workflow.ts";

/** The case as the replay needs it (see `AdvanceInput` for each field). */
export interface ReplayInput {
  workflow: WorkflowDefinition;
  caseKey: string;
  events: readonly CaseEvent[];
  completed: readonly StepRecord[];
  pendingWait: PendingWait | null;
  retries?: Readonly<Record<string, RetryState>>;
  now: () => number;
  random?: () => number;
  beginAttempt?: (stepId: string, idempotencyKey: string) => AttemptStart | Promise<AttemptStart>;
  /** A shadow run's answers from production's record (see `AttemptSite.recordedAnswer`). */
  recordedAnswer?: (stepId: string) => { output: unknown } | undefined;
  config?: Readonly<Record<string, unknown>>;
  aliases?: AliasRegistry;
  /** Where `step.policy` reads the versions in force; without it every policy is at its declared defaults. */
  policies?: PolicySource;
  caseSeq?: number;
  timeScale?: number;
  /**
   * A sticky run (the shell's bursts): a new step's record is handed here instead of stopping the body. The shell
   * persists it durably, exactly as it would the `step` result, and answers true; the body then goes on in the same
   * run with that step completed, instead of being replayed from the journal's start for the next one. False (the
   * burst is spent, an event arrived, the case ended meanwhile): nothing was kept and the body stops with the record,
   * as without it. A throw (storage refused the record) ends the run with that error (see `advanceCase`).
   */
  persistStep?: (record: StepRecord) => boolean | Promise<boolean>;
}

export class Replay implements AttemptSite {
  readonly workflow: WorkflowDefinition;
  readonly caseKey: string;
  readonly caseSeq: number;
  readonly events: readonly CaseEvent[];
  /** The journal: the steps completed before this run, then those a sticky run persisted. */
  readonly completed: StepRecord[];
  readonly config: Readonly<Record<string, unknown>>;
  readonly aliases: AliasRegistry | undefined;
  readonly policies: PolicySource | undefined;
  readonly now: () => number;
  readonly random: (() => number) | undefined;
  readonly beginAttempt: ReplayInput["beginAttempt"];
  readonly recordedAnswer: ReplayInput["recordedAnswer"];
  /** How far the body has come through the journal. */
  position = 0;
  private readonly input: ReplayInput;
  private readonly seen = new Set<string>();
  private readonly consumed: Set<number>;
  private readonly starts = new Map<string, number>();
  private workflowNotifier: SlaNotifier | null | undefined;
  /**
   * Set once the shell failed to store a sticky step or an attempt's record (with it what the run staged before): the
   * run ends with that error, whatever the body does with the throw, and the case is not failed for it.
   */
  persistFailure: { error: unknown } | null = null;
  readonly sla: SlaContext;

  constructor(input: ReplayInput) {
    this.input = input;
    this.workflow = input.workflow;
    this.caseKey = input.caseKey;
    this.caseSeq = input.caseSeq ?? 1;
    this.events = input.events;
    // Copied only when a sticky run appends to it; a replay never writes it.
    this.completed = input.persistStep ? [...input.completed] : (input.completed as StepRecord[]);
    this.config = input.config ?? {};
    this.aliases = input.aliases;
    this.policies = input.policies;
    this.now = input.now;
    this.random = input.random;
    const begin = input.beginAttempt;
    // The shell's record of an attempt failed (storage refused it): its error ends the run, not the case.
    this.beginAttempt =
      begin &&
      (async (stepId, key) => {
        try {
          return await begin(stepId, key);
        } catch (error) {
          this.persistFailure = { error };
          throw error;
        }
      });
    this.recordedAnswer = input.recordedAnswer;
    this.consumed = new Set(input.completed.flatMap((s) => (s.eventSeq === undefined ? [] : [s.eventSeq])));
    this.sla = {
      workflowId: this.workflow.id,
      caseKey: this.caseKey,
      now: this.now,
      retries: input.retries ?? {},
      attempt: (id, fn, previous, policy) => attempt(this, id, fn, previous, policy),
      record: (result) => {
        throw new Suspend({ kind: "sla", ...result });
      },
      retryNotice: ({ wait, retry, wakeAt }) => {
        throw new Suspend({ kind: "waiting", wait, retry, wakeAt });
      },
    };
  }

  /** A declared duration in this run's milliseconds (divided by the time scale of demos and tests). */
  span(d: Duration): number {
    return Math.round(parseDuration(d) / (this.input.timeScale ?? 1));
  }

  optionalSpan(d: Duration | undefined): number | null {
    return d === undefined ? null : this.span(d);
  }

  /** The event that opened the case. */
  get opener(): CaseEvent | undefined {
    return this.events[0];
  }

  /** Takes the next journal entry, which must be `id`'s (else the body is not deterministic). */
  replay(id: string): StepRecord | undefined {
    const recorded = this.completed[this.position];
    if (recorded && recorded.id !== id) throw new NonDeterminismError(this.position, recorded.id, id);
    this.position++;
    return recorded;
  }

  /** Step ids are memo keys: each may be used once per case. */
  claim(id: string): void {
    if (this.seen.has(id))
      throw new TypeError(`step id "${id}" is used twice in workflow ${this.workflow.id}; step ids are memo keys`);
    this.seen.add(id);
  }

  /** Stops the body with one new step's record. */
  complete(record: StepRecord): never {
    throw new Suspend({ kind: "step", record });
  }

  /**
   * Ends a new step. In a sticky run the shell persists its record first and the body goes on with the step counted
   * as completed (its result is what a replay would return: the recorded output); otherwise the body stops with it.
   * @example return r.completeStep<T>({ id, kind: "run", output, startedAt, finishedAt: r.now() });
   */
  async completeStep<T>(record: StepRecord): Promise<T> {
    const persist = this.input.persistStep;
    if (!persist || this.persistFailure) return this.complete(record);
    let kept: boolean;
    try {
      kept = await persist(record);
    } catch (error) {
      this.persistFailure = { error };
      throw error;
    }
    if (!kept) return this.complete(record);
    // `replay(id)` already moved past this step's place in the journal: the record fills it.
    this.completed.push(record);
    if (record.eventSeq !== undefined) this.consumed.add(record.eventSeq);
    return record.output as T;
  }

  suspend(result: Advance): never {
    throw new Suspend(result);
  }

  /**
   * When a wait on `id` began: kept from the first time the case parked on it, so deadlines survive replays. A new
   * wait's start is read once per run: its task's SLA deadline and its own start must be the same instant, and the
   * clock may move between two reads (workerd's moves with any I/O of the isolate).
   */
  waitStart(id: string): number {
    if (this.input.pendingWait?.stepId === id) return this.input.pendingWait.startedAt;
    const start = this.starts.get(id) ?? this.now();
    this.starts.set(id, start);
    return start;
  }

  /** One key per step of this case instance (the opening event tells instances of the same key apart). */
  idempotencyKey(id: string): string {
    return `cf-${digest([this.workflow.id, this.caseKey, this.opener?.source, this.opener?.id, id].join("\n")).slice(0, 40)}`;
  }

  /**
   * The SLA records of the wait on `id` (breaches and notices), consumed from the journal where they sit: right before
   * the step's own record, or at its end while the wait goes on. Only records of this step are taken, so a replay that
   * reaches a different step still meets the recorded one and fails as non-deterministic.
   */
  slaRecords(id: string): StepRecord[] {
    const prefix = slaRecordPrefix(id);
    const taken: StepRecord[] = [];
    while (this.completed[this.position]?.id.startsWith(prefix)) taken.push(this.completed[this.position++]!);
    return taken;
  }

  /** Who hears of a missed SLA: the step's own notifier, else the workflow's. */
  notifierFor(own: SlaNotifier | undefined): SlaNotifier | null {
    if (own) return own;
    this.workflowNotifier ??= this.workflow.slaNotify?.(this.config) ?? null;
    return this.workflowNotifier;
  }

  /** Waits for a matching event (consuming one that came early) until `timeoutMs`; null after it. */
  async waitStep(
    id: string,
    kind: StepKind,
    matcher: EventMatcher | null,
    timeoutMs: number | null,
  ): Promise<CaseEvent | null> {
    this.claim(id);
    const recorded = this.replay(id);
    if (recorded) return recorded.output as CaseEvent | null;
    const startedAt = this.waitStart(id);
    const deadline = timeoutMs === null ? null : startedAt + timeoutMs;
    // Events are kept from the moment they arrive, so one that came before the wait began is found here.
    const event = matcher
      ? this.events.find((e) => e.seq !== this.opener?.seq && !this.consumed.has(e.seq) && matches(matcher, e))
      : undefined;
    if (event)
      return this.completeStep({ id, kind, output: event, startedAt, finishedAt: this.now(), eventSeq: event.seq });
    if (deadline !== null && this.now() >= deadline)
      return this.completeStep({ id, kind, output: null, startedAt, finishedAt: this.now() });
    const wait: PendingWait = matcher
      ? { kind: "event", stepId: id, startedAt, deadline, sources: asList(matcher.source), types: asList(matcher.type) }
      : { kind: "sleep", stepId: id, startedAt, deadline, sources: [], types: [] };
    throw new Suspend({ kind: "waiting", wait });
  }
}
