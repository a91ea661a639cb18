/**
 * The pure core: given a workflow, the case's events and the steps it has already completed, run the body
 * until exactly one new step completes, the case must wait, or it ends. The shell persists the result and
 * calls again, so every step is durable before the next begins and a crash repeats at most the step in flight.
 */
import { modelActor, runAgent } from "../agent/agent-step.ts";
import type { AgentTranscript, ModelResolver } from "../agent/types.ts";
import { digest } from "./audit.ts";
import { parseDuration } from "./duration.ts";
import { conversationOf } from "./routing.ts";
import { FatalError, RetryAfter } from "./errors.ts";
import { approvalVerdict, decisionsFor, HUMAN_SOURCE } from "./human.ts";
import { slaPlan, slaRecordPrefix, watchSla, type AttemptResult, type SlaContext, type SlaPlan } from "./sla.ts";
import type {
  ApprovalNotice,
  ApprovalRequest,
  ApprovalResult,
  AskOptions,
  CaseEvent,
  Channel,
  ContextPacket,
  AliasRegistry,
  Duration,
  EscalationRequest,
  EventMatcher,
  HumanTask,
  Outcome,
  PendingWait,
  RetryPolicy,
  RetryState,
  RuleDecision,
  SlaBreach,
  SlaNoticeRecord,
  SlaNotifier,
  StepApi,
  SentQuestion,
  StepContext,
  StepKind,
  StepRecord,
  WorkflowContext,
  WorkflowDefinition,
} from "./types.ts";

export type Advance =
  | { kind: "step"; record: StepRecord }
  /**
   * Parked; `retry` is the state of a step handed to a person after its last attempt, or of an SLA notice that failed
   * and will be tried again while the person's task waits; `wakeAt`: when such a notice may be sent again.
   */
  | { kind: "waiting"; wait: PendingWait; retry?: { stepId: string; state: RetryState }; wakeAt?: number }
  /**
   * While a person's task waits: its SLA passed (`record` is the breach; `wait` holds the task as it now stands, maybe
   * in its next queue) or that breach's `notice` was sent or given up. The case stays parked on `wait`.
   */
  | { kind: "sla"; record: StepRecord; wait: PendingWait; breach: SlaBreach; notice?: SlaNoticeRecord }
  /** A step failed and will run again at `retry.notBefore`. */
  | { kind: "retry"; stepId: string; retry: RetryState }
  | { kind: "resolved"; record: StepRecord; outcome: Outcome }
  | { kind: "failed"; error: { name: string; message: string; stepId?: string } };

/** Thrown when a replay meets steps in a different order than recorded: the body is not deterministic. */
export class NonDeterminismError extends Error {
  constructor(position: number, expected: string, got: string) {
    super(`step #${position} was "${expected}" when recorded but is "${got}" on replay; code outside steps must be deterministic`);
    this.name = "NonDeterminismError";
  }
}

/** Stops the body once the case has something to persist; never escapes `advanceCase`. */
class Suspend {
  constructor(readonly result: Advance) {}
}

export interface AdvanceInput<I> {
  workflow: WorkflowDefinition<I>;
  caseKey: string;
  input: I;
  /** Every event of the case in arrival order; the first one opened the case and is `input`. */
  events: readonly CaseEvent[];
  completed: readonly StepRecord[];
  /** The wait the case is parked on, if any (its start fixes the deadline across replays). */
  pendingWait: PendingWait | null;
  /** Failed attempts of steps that have not succeeded yet, by step id. */
  retries?: Readonly<Record<string, RetryState>>;
  now: () => number;
  /** Jitter source; injected so the core stays deterministic under test. */
  random?: () => number;
  /**
   * Called just before a step's function runs, so the shell records the attempt durably (the outbox) before
   * any effect leaves; returns the attempt's number, and whether it resumes and when the step's first attempt began
   * (handed to the step's function). Without it, attempts are numbered from failures.
   */
  beginAttempt?: (stepId: string, idempotencyKey: string) => AttemptStart | Promise<AttemptStart>;
  /** Which model an agent step uses (from configuration); default: the offline rules model everywhere. */
  models?: ModelResolver;
  /** The deployment's configuration, handed to the workflow body. */
  config?: Readonly<Record<string, unknown>>;
  /** Where `step.alias` records the ids other systems know the customer by; without it such a step fails. */
  aliases?: AliasRegistry;
  /** Which of its key's cases this is (1 for the first): its conversation and approval messages name it. */
  caseSeq?: number;
  /**
   * Divides every declared duration (timeouts, reminders, sleeps, SLAs, backoff) so days pass in seconds: for
   * demos and tests only (`CROSSFLOW_TIME_SCALE`). A remote system's Retry-After is never scaled.
   */
  timeScale?: number;
}

/** What the shell's `beginAttempt` reports: the attempt's number, or with it whether it resumes and when the step first began. */
export type AttemptStart = number | Omit<StepContext, "idempotencyKey">;

const OFFLINE_ONLY: ModelResolver = (_ref, offline) => ({ model: offline(), pricePerMillionTokens: 0, offline: true });

const DEFAULT_RETRIES = 3;
const ALIAS_KIND = /^[a-z0-9][a-z0-9-]{0,39}$/;
const DEFAULT_ROLE = "operator";

/** Exponential backoff with jitter: base × 2^(failures-1), capped, scaled by 50–100 %. */
function backoff(policy: RetryPolicy, failures: number, random: () => number, span: (d: Duration) => number): number {
  const base = span(policy.initialDelay ?? 1000);
  const cap = span(policy.maxDelay ?? "5m");
  return Math.round(Math.min(cap, base * 2 ** (failures - 1)) * (0.5 + random() / 2));
}

const asList = (value: string | readonly string[] | undefined): readonly string[] => (value === undefined ? [] : typeof value === "string" ? [value] : value);

function matches(matcher: EventMatcher, event: CaseEvent): boolean {
  const sources = asList(matcher.source);
  const types = asList(matcher.type);
  // A person's decisions belong to the step that asked for them, never to a wait for other systems.
  if (event.source === HUMAN_SOURCE && !sources.includes(HUMAN_SOURCE)) return false;
  if (sources.length > 0 && !sources.includes(event.source)) return false;
  if (types.length > 0 && !types.includes(event.type)) return false;
  try {
    return matcher.where ? matcher.where(event.payload) === true : true;
  } catch {
    // A predicate that trips over an unexpected payload shape means "not this event".
    return false;
  }
}

const toError = (thrown: unknown) => (thrown instanceof Error ? thrown : new Error(String(thrown)));

/**
 * @example
 * const next = await advanceCase({ workflow, caseKey, input, events, completed, pendingWait: null, now: Date.now });
 * if (next.kind === "step") persist(next.record);
 */
export async function advanceCase<I>(args: AdvanceInput<I>): Promise<Advance> {
  const { workflow, caseKey, input, events, completed, pendingWait, retries = {}, now, random = Math.random, beginAttempt, models = OFFLINE_ONLY, config = {}, timeScale = 1, aliases, caseSeq = 1 } = args;
  const span = (d: Duration) => Math.round(parseDuration(d) / timeScale);
  const optionalDuration = (d: Duration | undefined) => (d === undefined ? null : span(d));
  let position = 0;
  const replay = (id: string): StepRecord | undefined => {
    const recorded = completed[position];
    if (recorded && recorded.id !== id) throw new NonDeterminismError(position, recorded.id, id);
    position++;
    return recorded;
  };
  const seen = new Set<string>();
  const claim = (id: string) => {
    if (seen.has(id)) throw new TypeError(`step id "${id}" is used twice in workflow ${workflow.id}; step ids are memo keys`);
    seen.add(id);
  };
  const opener = events[0];
  const lastSeq = events.at(-1)?.seq ?? 0;
  const consumed = new Set(completed.flatMap((s) => (s.eventSeq === undefined ? [] : [s.eventSeq])));
  const complete = (record: StepRecord): never => {
    throw new Suspend({ kind: "step", record });
  };
  /**
   * When a wait on `id` began: kept from the first time the case parked on it, so deadlines survive replays. A new
   * wait's start is read once per run: its task's SLA deadline and its own start must be the same instant, and the
   * clock may move between two reads (workerd's moves with any I/O of the isolate).
   */
  const starts = new Map<string, number>();
  const waitStart = (id: string): number => {
    if (pendingWait?.stepId === id) return pendingWait.startedAt;
    const start = starts.get(id) ?? now();
    starts.set(id, start);
    return start;
  };
  /** One key per step of this case instance (the opening event tells instances of the same key apart). */
  const idempotencyKey = (id: string) => `cf-${digest([workflow.id, caseKey, opener?.source, opener?.id, id].join("\n")).slice(0, 40)}`;
  const packet = (fields: Omit<ContextPacket, "steps">): ContextPacket => ({
    ...fields,
    // The SLA's own records (breaches, notices) are about the hand-off, not the work that led to it.
    steps: completed.slice(0, position).filter((s) => s.kind !== "sla").map((s) => ({ id: s.id, kind: s.kind, finishedAt: s.finishedAt })),
  });

  /** Parks the case on a person's decision; `wakeAt`: when an SLA notice in backoff may be sent again. */
  const awaitHuman = (id: string, human: HumanTask, deadline: number | null, retry?: { stepId: string; state: RetryState }, wakeAt: number | null = null): never => {
    // A step that just failed over to a person starts a new hand-off, even if an earlier one was on the same step.
    const startedAt = retry ? now() : waitStart(id);
    const wait: PendingWait = { kind: "human", stepId: id, startedAt, deadline, sources: [HUMAN_SOURCE], types: [], human };
    throw new Suspend({ kind: "waiting", wait, ...(retry ? { retry } : {}), ...(wakeAt !== null ? { wakeAt } : {}) });
  };

  /**
   * The SLA records of the wait on `id` (breaches and notices), consumed from the journal where they sit: right before
   * the step's own record, or at its end while the wait goes on. Only records of this step are taken, so a replay that
   * reaches a different step still meets the recorded one and fails as non-deterministic.
   */
  const slaRecords = (id: string): StepRecord[] => {
    const prefix = slaRecordPrefix(id);
    const taken: StepRecord[] = [];
    while (completed[position]?.id.startsWith(prefix)) taken.push(completed[position++]!);
    return taken;
  };
  let workflowNotifier: SlaNotifier | null | undefined;
  /** Who hears of a missed SLA: the step's own notifier, else the workflow's. */
  const notifierFor = (own: SlaNotifier | undefined): SlaNotifier | null => own ?? (workflowNotifier ??= workflow.slaNotify?.(config) ?? null);
  const slaContext: SlaContext = {
    workflowId: workflow.id,
    caseKey,
    now,
    retries,
    attempt: (id, fn, previous, policy) => attempt(id, fn, previous, policy),
    record: (result) => {
      throw new Suspend({ kind: "sla", ...result });
    },
    retryNotice: ({ wait, retry, wakeAt }) => {
      throw new Suspend({ kind: "waiting", wait, retry, wakeAt });
    },
  };
  /** Parks on a person's task once its SLA is in order (a breach or notice that is due is recorded first). */
  const awaitPerson = async (id: string, task: HumanTask, plan: SlaPlan, records: readonly StepRecord[], deadline: number | null): Promise<never> => {
    const watched = await watchSla(slaContext, { id, startedAt: waitStart(id), deadline, task }, plan, records);
    return awaitHuman(id, watched.task, deadline, undefined, watched.wakeAt);
  };

  /** A person resolved the case: it ends with their outcome label, recorded as their decision. */
  const resolvedByHuman = (id: string, decision: { outcome?: string; note?: string; actor: { id: string } }, output: unknown): never => {
    const at = now();
    const outcome: Outcome = { outcome: decision.outcome ?? "resolved-by-human", detail: { resolvedBy: decision.actor.id, ...(decision.note ? { note: decision.note } : {}) } };
    throw new Suspend({ kind: "resolved", record: { id, kind: "escalate", output, startedAt: waitStart(id), finishedAt: at }, outcome });
  };

  const escalationTask = (id: string, request: EscalationRequest, extra: Partial<ContextPacket>, allowed: HumanTask["allowed"]): HumanTask => {
    const sla = optionalDuration(request.sla ?? workflow.sla);
    return {
      kind: "escalation",
      queue: request.queue ?? "escalations",
      role: request.role ?? DEFAULT_ROLE,
      approvals: 1,
      requestedBy: null,
      allowed,
      packet: packet({
        title: request.title ?? request.reason,
        reason: request.reason,
        summary: request.summary,
        evidence: request.evidence,
        tried: request.tried,
        proposedAction: request.proposedAction,
        ...extra,
      }),
      slaDeadline: sla === null ? null : waitStart(id) + sla,
    };
  };

  /** The hand-off of a step whose attempts ran out: the person may run it again or resolve the case. */
  const failureTask = (id: string, state: RetryState): HumanTask => {
    const attempts = `${state.failures} attempt${state.failures === 1 ? "" : "s"}`;
    return escalationTask(id, { reason: `step "${id}" failed after ${attempts}: ${state.lastError.message}`, queue: "errors", tried: [`${attempts} of "${id}"`] }, { error: { ...state.lastError, attempts: state.failures } }, ["retry", "resolve"]);
  };

  /** One attempt of a step's function, recorded by the shell before it runs; a throw comes back as its next retry state. */
  async function attempt<T>(id: string, fn: (ctx: StepContext) => T | Promise<T>, previous: RetryState | undefined, policy: RetryPolicy): Promise<AttemptResult<T>> {
    const key = idempotencyKey(id);
    const begun = beginAttempt ? await beginAttempt(id, key) : (previous?.failures ?? 0) + 1;
    const started = typeof begun === "number" ? { attempt: begun } : begun;
    const startedAt = now();
    try {
      return { ok: true, output: await fn({ idempotencyKey: key, ...started }), startedAt };
    } catch (thrown) {
      const error = toError(thrown);
      const failures = (previous?.failures ?? 0) + 1;
      const lastError = { name: error.name, message: error.message };
      if (error instanceof FatalError || failures > (policy.retries ?? DEFAULT_RETRIES)) return { ok: false, final: true, state: { failures, notBefore: now(), lastError } };
      const delay = error instanceof RetryAfter ? error.ms : backoff(policy, failures, random, span);
      return { ok: false, final: false, state: { failures, notBefore: now() + delay, lastError } };
    }
  }

  async function runStep<T>(id: string, kind: StepKind, fn: (ctx: StepContext) => T | Promise<T>, policy: RetryPolicy = {}, describe?: (output: T) => StepRecord["audit"]): Promise<T> {
    claim(id);
    const sla = slaRecords(id);
    const recorded = replay(id);
    if (recorded) return recorded.output as T;
    let previous: RetryState | undefined = retries[id];
    if (previous?.escalatedAfterSeq !== undefined) {
      // Retries ran out and a person has the step: only their decision moves it.
      const decision = decisionsFor(events, id, previous.escalatedAfterSeq).at(-1);
      if (!decision) {
        const task = failureTask(id, previous);
        return awaitPerson(id, task, slaPlan(undefined, task.slaDeadline === null ? null : task.slaDeadline - waitStart(id), span, notifierFor(undefined)), sla, null);
      }
      if (decision.decision === "resolve") return resolvedByHuman(id, decision, decision);
      previous = undefined; // "retry": a fresh round of attempts, at once
    } else if (previous && now() < previous.notBefore) {
      // Woken early (by an event or another timer): the backoff still stands.
      throw new Suspend({ kind: "retry", stepId: id, retry: previous });
    }
    const result = await attempt(id, fn, previous, policy);
    if (!result.ok && result.final) {
      // The last attempt failed: a person takes the step over, with the error as context.
      const state: RetryState = { ...result.state, escalatedAfterSeq: lastSeq };
      return awaitHuman(id, failureTask(id, state), null, { stepId: id, state });
    }
    if (!result.ok) throw new Suspend({ kind: "retry", stepId: id, retry: result.state });
    const { output, startedAt } = result;
    return complete({ id, kind, output: output ?? null, startedAt, finishedAt: now(), ...(describe ? { audit: describe(output) } : {}) });
  }

  /** Waits for a matching event (consuming one that came early) until `timeoutMs`; null after it. */
  async function waitStep(id: string, kind: StepKind, matcher: EventMatcher | null, timeoutMs: number | null): Promise<CaseEvent | null> {
    claim(id);
    const recorded = replay(id);
    if (recorded) return recorded.output as CaseEvent | null;
    const startedAt = waitStart(id);
    const deadline = timeoutMs === null ? null : startedAt + timeoutMs;
    // Events are kept from the moment they arrive, so one that came before the wait began is found here.
    const event = matcher ? events.find((e) => e.seq !== opener?.seq && !consumed.has(e.seq) && matches(matcher, e)) : undefined;
    if (event) return complete({ id, kind, output: event, startedAt, finishedAt: now(), eventSeq: event.seq });
    if (deadline !== null && now() >= deadline) return complete({ id, kind, output: null, startedAt, finishedAt: now() });
    const wait: PendingWait = matcher
      ? { kind: "event", stepId: id, startedAt, deadline, sources: asList(matcher.source), types: asList(matcher.type) }
      : { kind: "sleep", stepId: id, startedAt, deadline, sources: [], types: [] };
    throw new Suspend({ kind: "waiting", wait });
  }

  const step: StepApi = {
    run: (id, fn, policy) => runStep(id, "run", fn, policy),

    decide: <T extends string>(id: string, rule: () => RuleDecision<T>) => runStep(id, "decide", rule, { retries: 0 }),

    waitFor: (id, matcher, options = {}) => waitStep(id, "waitFor", matcher, optionalDuration(options.timeout)),

    async alias(kind: string, value: string, options: { key?: string } = {}) {
      await runStep(`alias:${kind}`, "run", async () => {
        if (!ALIAS_KIND.test(kind) || typeof value !== "string" || value.length === 0 || value.length > 200) throw new FatalError(`alias ${kind}: kind must be kebab-case and value 1-200 characters`);
        if (!aliases) throw new FatalError("this platform keeps no aliases");
        const key = options.key ?? caseKey;
        await aliases.register({ kind, value }, key);
        return { kind, value, ...(key !== caseKey ? { key } : {}) };
      });
    },

    async sleep(id: string, duration: Duration) {
      await waitStep(id, "sleep", null, span(duration));
    },

    async ask(id: string, channel: Channel, message: string, options: AskOptions) {
      claim(id);
      const timeout = span(options.timeout);
      // The question itself is recorded with the provider's answer, so the case shows what the customer was asked.
      const send = (text: string) => async (ctx: StepContext): Promise<SentQuestion> => ({ channel: channel.name, text, sent: (await channel.send(text, ctx)) ?? null });
      await runStep(`${id}:send`, "ask", send(message));
      const remindAfter = optionalDuration(options.remindAfter);
      if (remindAfter === null || remindAfter >= timeout) return waitStep(`${id}:reply`, "ask", channel.reply, timeout);
      const early = await waitStep(`${id}:reply`, "ask", channel.reply, remindAfter);
      if (early) return early;
      await runStep(`${id}:reminder`, "ask", send(options.reminder ?? message));
      return waitStep(`${id}:reply-after-reminder`, "ask", channel.reply, timeout - remindAfter);
    },

    async approve(id: string, request: ApprovalRequest): Promise<ApprovalResult> {
      claim(id);
      const timeout = optionalDuration(request.timeout);
      const sla = optionalDuration(request.sla) ?? timeout ?? optionalDuration(workflow.sla);
      if (request.notify) {
        const notifier = request.notify;
        // Sent just before the case parks: the deadline it announces is the wait's, give or take the notice's own call.
        const slaDeadline = sla === null ? null : waitStart(id) + sla;
        const notice: ApprovalNotice = { workflowId: workflow.id, caseKey, caseSeq, stepId: id, title: request.title, summary: request.summary, proposedAction: request.proposedAction, queue: request.queue ?? "approvals", role: request.role ?? DEFAULT_ROLE, approvals: request.approvals ?? 1, slaDeadline };
        await runStep(`${id}:notify`, "run", (ctx) => notifier.send(notice, ctx));
      }
      const records = slaRecords(id);
      const recorded = replay(id);
      if (recorded) return recorded.output as ApprovalResult;
      const startedAt = waitStart(id);
      const task: HumanTask = {
        kind: "approval",
        queue: request.queue ?? "approvals",
        role: request.role ?? DEFAULT_ROLE,
        approvals: request.approvals ?? 1,
        requestedBy: request.requestedBy ?? null,
        allowed: ["approve", "reject"],
        packet: packet({ title: request.title, reason: "approval required", summary: request.summary, evidence: request.evidence, proposedAction: request.proposedAction }),
        slaDeadline: sla === null ? null : startedAt + sla,
      };
      const decisions = decisionsFor(events, id);
      const deadline = timeout === null ? null : startedAt + timeout;
      let verdict: ApprovalResult["outcome"] | null = approvalVerdict(task, decisions);
      if (!verdict) {
        // Still undecided: the SLA is settled first, so an approval that times out unanswered also counts as missed.
        const watched = await watchSla(slaContext, { id, startedAt, deadline, task }, slaPlan(request.then, sla, span, notifierFor(request.slaNotify)), records);
        if (deadline === null || now() < deadline) return awaitHuman(id, watched.task, deadline, undefined, watched.wakeAt);
        verdict = "timed_out";
      }
      const output: ApprovalResult = { approved: verdict === "approved", outcome: verdict, decisions };
      return complete({ id, kind: "approve", output, startedAt, finishedAt: now() });
    },

    async escalate(id: string, request: EscalationRequest): Promise<Outcome> {
      claim(id);
      const records = slaRecords(id);
      const recorded = replay(id);
      if (recorded) return recorded.output as Outcome;
      // A decision ends the escalation whenever it comes, before or after its SLA passed.
      const decision = decisionsFor(events, id).at(-1);
      if (decision) return resolvedByHuman(id, decision, decision);
      const task = escalationTask(id, request, {}, ["resolve"]);
      return awaitPerson(id, task, slaPlan(request.then, optionalDuration(request.sla ?? workflow.sla), span, notifierFor(request.slaNotify)), records, null);
    },

    async resolve(outcome: string, detail?: Record<string, unknown>): Promise<Outcome> {
      const id = `resolve:${outcome}`;
      claim(id);
      replay(id);
      const at = now();
      const result: Outcome = detail ? { outcome, detail } : { outcome };
      throw new Suspend({ kind: "resolved", record: { id, kind: "resolve", output: result, startedAt: at, finishedAt: at }, outcome: result });
    },
  };

  /** An agent's model turn: an `agent` step audited as the model, with one entry per guardrail verdict. */
  const turnStep = <T extends AgentTranscript>(id: string, fn: (ctx: StepContext) => Promise<T>, policy: RetryPolicy) =>
    runStep(id, "agent", fn, policy, (t) => ({
      actor: modelActor(t),
      entries: t.verdicts.map((v) => ({ action: `guardrail.${v.verdict}`, detail: { ...v } })),
    }));
  const agent: WorkflowContext<I>["agent"] = (id, spec) => runAgent(step, turnStep, id, spec, models, { workflowId: workflow.id, workflowVersion: workflow.version, caseKey });

  try {
    await workflow.body({ input, caseKey, conversation: conversationOf(workflow.id, caseKey, caseSeq), step, agent, config });
    return { kind: "failed", error: { name: "WorkflowError", message: `workflow ${workflow.id} returned without step.resolve()` } };
  } catch (thrown) {
    if (thrown instanceof Suspend) return thrown.result;
    const error = toError(thrown);
    return { kind: "failed", error: { name: error.name, message: error.message, stepId: completed[position]?.id } };
  }
}
