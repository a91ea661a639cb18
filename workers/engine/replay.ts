/**
 * The replay context every step kind runs over: the case's journal (completed steps, in order), its events, its
 * clock and its pending wait. A step either replays its recorded result or does one new thing and stops the body
 * (`Suspend`) with what the shell must persist, so every step is durable before the next begins.
 */
import { digest } from "./audit.ts";
import { parseDuration } from "./duration.ts";
import { FatalError, RetryAfter } from "./errors.ts";
import { decisionsFor, HUMAN_SOURCE } from "./human.ts";
import { asList, matches } from "./matcher.ts";
import { type AttemptResult, type SlaContext, type SlaPlan, slaPlan, slaRecordPrefix, watchSla } from "./sla.ts";
import { type Advance, type AttemptStart, NonDeterminismError, Suspend } from "./suspend.ts";
import type {
  CaseEvent,
  Duration,
  Outcome,
  RetryPolicy,
  RetryState,
  StepContext,
  StepKind,
  StepRecord,
} from "./types/case.ts";
import type { ContextPacket, EscalationRequest, HumanTask, PendingWait, SlaNotifier } from "./types/human.ts";
import type { AliasRegistry, EventMatcher, WorkflowDefinition } from "./types/workflow.ts";

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
  config?: Readonly<Record<string, unknown>>;
  aliases?: AliasRegistry;
  caseSeq?: number;
  timeScale?: number;
}

/** How a step's record is audited: who acted (a model for an agent turn) and extra entries (its guardrail verdicts). */
export type DescribeStep<T> = (output: T) => StepRecord["audit"];

const DEFAULT_RETRIES = 3;
export const DEFAULT_ROLE = "operator";

/** Exponential backoff with jitter: base × 2^(failures-1), capped, scaled by 50–100 %. */
function backoff(policy: RetryPolicy, failures: number, random: () => number, span: (d: Duration) => number): number {
  const base = span(policy.initialDelay ?? 1000);
  const cap = span(policy.maxDelay ?? "5m");
  return Math.round(Math.min(cap, base * 2 ** (failures - 1)) * (0.5 + random() / 2));
}

export const toError = (thrown: unknown) => (thrown instanceof Error ? thrown : new Error(String(thrown)));

export class Replay {
  readonly workflow: WorkflowDefinition;
  readonly caseKey: string;
  readonly caseSeq: number;
  readonly events: readonly CaseEvent[];
  readonly completed: readonly StepRecord[];
  readonly config: Readonly<Record<string, unknown>>;
  readonly aliases: AliasRegistry | undefined;
  readonly now: () => number;
  /** How far the body has come through the journal. */
  position = 0;
  private readonly input: ReplayInput;
  private readonly seen = new Set<string>();
  private readonly consumed: Set<number>;
  private readonly starts = new Map<string, number>();
  private workflowNotifier: SlaNotifier | null | undefined;
  readonly sla: SlaContext;

  constructor(input: ReplayInput) {
    this.input = input;
    this.workflow = input.workflow;
    this.caseKey = input.caseKey;
    this.caseSeq = input.caseSeq ?? 1;
    this.events = input.events;
    this.completed = input.completed;
    this.config = input.config ?? {};
    this.aliases = input.aliases;
    this.now = input.now;
    this.consumed = new Set(input.completed.flatMap((s) => (s.eventSeq === undefined ? [] : [s.eventSeq])));
    this.sla = {
      workflowId: this.workflow.id,
      caseKey: this.caseKey,
      now: this.now,
      retries: input.retries ?? {},
      attempt: (id, fn, previous, policy) => this.attempt(id, fn, previous, policy),
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

  /** A person's context packet, with the steps completed so far (the SLA's own records are about the hand-off, not the work). */
  packet(fields: Omit<ContextPacket, "steps">): ContextPacket {
    const steps = this.completed.slice(0, this.position).filter((s) => s.kind !== "sla");
    return { ...fields, steps: steps.map((s) => ({ id: s.id, kind: s.kind, finishedAt: s.finishedAt })) };
  }

  /** Parks the case on a person's decision; `wakeAt`: when an SLA notice in backoff may be sent again. */
  awaitHuman(
    id: string,
    human: HumanTask,
    deadline: number | null,
    retry?: { stepId: string; state: RetryState },
    wakeAt: number | null = null,
  ): never {
    // A step that just failed over to a person starts a new hand-off, even if an earlier one was on the same step.
    const startedAt = retry ? this.now() : this.waitStart(id);
    const wait: PendingWait = {
      kind: "human",
      stepId: id,
      startedAt,
      deadline,
      sources: [HUMAN_SOURCE],
      types: [],
      human,
    };
    throw new Suspend({ kind: "waiting", wait, ...(retry ? { retry } : {}), ...(wakeAt !== null ? { wakeAt } : {}) });
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

  /** Parks on a person's task once its SLA is in order (a breach or notice that is due is recorded first). */
  async awaitPerson(
    id: string,
    task: HumanTask,
    plan: SlaPlan,
    records: readonly StepRecord[],
    deadline: number | null,
  ): Promise<never> {
    const watched = await watchSla(this.sla, { id, startedAt: this.waitStart(id), deadline, task }, plan, records);
    return this.awaitHuman(id, watched.task, deadline, undefined, watched.wakeAt);
  }

  /** A person resolved the case: it ends with their outcome label, recorded as their decision. */
  resolvedByHuman(
    id: string,
    decision: { outcome?: string; note?: string; actor: { id: string } },
    output: unknown,
  ): never {
    const at = this.now();
    const outcome: Outcome = {
      outcome: decision.outcome ?? "resolved-by-human",
      detail: { resolvedBy: decision.actor.id, ...(decision.note ? { note: decision.note } : {}) },
    };
    throw new Suspend({
      kind: "resolved",
      record: { id, kind: "escalate", output, startedAt: this.waitStart(id), finishedAt: at },
      outcome,
    });
  }

  escalationTask(
    id: string,
    request: EscalationRequest,
    extra: Partial<ContextPacket>,
    allowed: HumanTask["allowed"],
  ): HumanTask {
    const sla = this.optionalSpan(request.sla ?? this.workflow.sla);
    return {
      kind: "escalation",
      queue: request.queue ?? "escalations",
      role: request.role ?? DEFAULT_ROLE,
      approvals: 1,
      requestedBy: null,
      allowed,
      packet: this.packet({
        title: request.title ?? request.reason,
        reason: request.reason,
        summary: request.summary,
        evidence: request.evidence,
        tried: request.tried,
        proposedAction: request.proposedAction,
        ...extra,
      }),
      slaDeadline: sla === null ? null : this.waitStart(id) + sla,
    };
  }

  /** The hand-off of a step whose attempts ran out: the person may run it again or resolve the case. */
  private failureTask(id: string, state: RetryState): HumanTask {
    const attempts = `${state.failures} attempt${state.failures === 1 ? "" : "s"}`;
    const request = {
      reason: `step "${id}" failed after ${attempts}: ${state.lastError.message}`,
      queue: "errors",
      tried: [`${attempts} of "${id}"`],
    };
    return this.escalationTask(id, request, { error: { ...state.lastError, attempts: state.failures } }, [
      "retry",
      "resolve",
    ]);
  }

  /** One attempt of a step's function, recorded by the shell before it runs; a throw comes back as its next retry state. */
  async attempt<T>(
    id: string,
    fn: (ctx: StepContext) => T | Promise<T>,
    previous: RetryState | undefined,
    policy: RetryPolicy,
  ): Promise<AttemptResult<T>> {
    const key = this.idempotencyKey(id);
    const begun = this.input.beginAttempt ? await this.input.beginAttempt(id, key) : (previous?.failures ?? 0) + 1;
    const started = typeof begun === "number" ? { attempt: begun } : begun;
    const startedAt = this.now();
    try {
      return { ok: true, output: await fn({ idempotencyKey: key, ...started }), startedAt };
    } catch (thrown) {
      const error = toError(thrown);
      const failures = (previous?.failures ?? 0) + 1;
      const lastError = { name: error.name, message: error.message };
      if (error instanceof FatalError || failures > (policy.retries ?? DEFAULT_RETRIES))
        return { ok: false, final: true, state: { failures, notBefore: this.now(), lastError } };
      const delay =
        error instanceof RetryAfter
          ? error.ms
          : backoff(policy, failures, this.input.random ?? Math.random, (d) => this.span(d));
      return { ok: false, final: false, state: { failures, notBefore: this.now() + delay, lastError } };
    }
  }

  /**
   * A step whose function runs once per case: replayed from the journal, retried with backoff, and handed to a person
   * after its last attempt (who may run it again or resolve the case).
   */
  async runStep<T>(
    id: string,
    kind: StepKind,
    fn: (ctx: StepContext) => T | Promise<T>,
    policy: RetryPolicy = {},
    describe?: DescribeStep<T>,
  ): Promise<T> {
    this.claim(id);
    const sla = this.slaRecords(id);
    const recorded = this.replay(id);
    if (recorded) return recorded.output as T;
    let previous: RetryState | undefined = this.sla.retries[id];
    if (previous?.escalatedAfterSeq !== undefined) {
      // Retries ran out and a person has the step: only their decision moves it.
      const decision = decisionsFor(this.events, id, previous.escalatedAfterSeq).at(-1);
      if (!decision) {
        const task = this.failureTask(id, previous);
        const plan = slaPlan(
          undefined,
          task.slaDeadline === null ? null : task.slaDeadline - this.waitStart(id),
          (d) => this.span(d),
          this.notifierFor(undefined),
        );
        return this.awaitPerson(id, task, plan, sla, null);
      }
      if (decision.decision === "resolve") return this.resolvedByHuman(id, decision, decision);
      previous = undefined; // "retry": a fresh round of attempts, at once
    } else if (previous && this.now() < previous.notBefore) {
      // Woken early (by an event or another timer): the backoff still stands.
      throw new Suspend({ kind: "retry", stepId: id, retry: previous });
    }
    const result = await this.attempt(id, fn, previous, policy);
    if (!result.ok && result.final) {
      // The last attempt failed: a person takes the step over, with the error as context.
      const state: RetryState = { ...result.state, escalatedAfterSeq: this.events.at(-1)?.seq ?? 0 };
      return this.awaitHuman(id, this.failureTask(id, state), null, { stepId: id, state });
    }
    if (!result.ok) throw new Suspend({ kind: "retry", stepId: id, retry: result.state });
    const { output, startedAt } = result;
    return this.complete({
      id,
      kind,
      output: output ?? null,
      startedAt,
      finishedAt: this.now(),
      ...(describe ? { audit: describe(output) } : {}),
    });
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
      return this.complete({ id, kind, output: event, startedAt, finishedAt: this.now(), eventSeq: event.seq });
    if (deadline !== null && this.now() >= deadline)
      return this.complete({ id, kind, output: null, startedAt, finishedAt: this.now() });
    const wait: PendingWait = matcher
      ? { kind: "event", stepId: id, startedAt, deadline, sources: asList(matcher.source), types: asList(matcher.type) }
      : { kind: "sleep", stepId: id, startedAt, deadline, sources: [], types: [] };
    throw new Suspend({ kind: "waiting", wait });
  }
}
