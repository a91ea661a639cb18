/**
 * The pure core: given a workflow, the case's events and the steps it has already completed, run the body
 * until exactly one new step completes, the case must wait, or it ends. The shell persists the result and
 * calls again, so every step is durable before the next begins and a crash repeats at most the step in flight.
 */
import { modelActor, runAgent } from "../agent/agent-step.ts";
import type { AgentTranscript, ModelResolver } from "../agent/types.ts";
import { digest } from "./audit.ts";
import { parseDuration } from "./duration.ts";
import { FatalError, RetryAfter } from "./errors.ts";
import { approvalVerdict, decisionsFor, HUMAN_SOURCE } from "./human.ts";
import type {
  ApprovalNotice,
  ApprovalRequest,
  ApprovalResult,
  AskOptions,
  CaseEvent,
  Channel,
  ContextPacket,
  Duration,
  EscalationRequest,
  EventMatcher,
  HumanTask,
  Outcome,
  PendingWait,
  RetryPolicy,
  RetryState,
  RuleDecision,
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
  /** Parked; `retry` is the state of a step handed to a person after its last attempt. */
  | { kind: "waiting"; wait: PendingWait; retry?: { stepId: string; state: RetryState } }
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
   * any effect leaves; returns the attempt's number. Without it, attempts are numbered from failures.
   */
  beginAttempt?: (stepId: string, idempotencyKey: string) => number | Promise<number>;
  /** Which model an agent step uses (from configuration); default: the offline rules model everywhere. */
  models?: ModelResolver;
  /** The deployment's configuration, handed to the workflow body. */
  config?: Readonly<Record<string, unknown>>;
  /**
   * Divides every declared duration (timeouts, reminders, sleeps, SLAs, backoff) so days pass in seconds: for
   * demos and tests only (`CROSSFLOW_TIME_SCALE`). A remote system's Retry-After is never scaled.
   */
  timeScale?: number;
}

const OFFLINE_ONLY: ModelResolver = (_ref, offline) => ({ model: offline(), pricePerMillionTokens: 0, offline: true });

const DEFAULT_RETRIES = 3;
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
  const { workflow, caseKey, input, events, completed, pendingWait, retries = {}, now, random = Math.random, beginAttempt, models = OFFLINE_ONLY, config = {}, timeScale = 1 } = args;
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
  /** When a wait on `id` began: kept from the first time the case parked on it, so deadlines survive replays. */
  const waitStart = (id: string) => (pendingWait?.stepId === id ? pendingWait.startedAt : now());
  /** One key per step of this case instance (the opening event tells instances of the same key apart). */
  const idempotencyKey = (id: string) => `cf-${digest([workflow.id, caseKey, opener?.source, opener?.id, id].join("\n")).slice(0, 40)}`;
  const packet = (fields: Omit<ContextPacket, "steps">): ContextPacket => ({
    ...fields,
    steps: completed.slice(0, position).map((s) => ({ id: s.id, kind: s.kind, finishedAt: s.finishedAt })),
  });

  /** Parks the case on a person's decision. */
  const awaitHuman = (id: string, human: HumanTask, deadline: number | null, retry?: { stepId: string; state: RetryState }): never => {
    // A step that just failed over to a person starts a new hand-off, even if an earlier one was on the same step.
    const startedAt = retry ? now() : waitStart(id);
    const wait: PendingWait = { kind: "human", stepId: id, startedAt, deadline, sources: [HUMAN_SOURCE], types: [], human };
    throw new Suspend(retry ? { kind: "waiting", wait, retry } : { kind: "waiting", wait });
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

  async function runStep<T>(id: string, kind: StepKind, fn: (ctx: StepContext) => T | Promise<T>, policy: RetryPolicy = {}, describe?: (output: T) => StepRecord["audit"]): Promise<T> {
    claim(id);
    const recorded = replay(id);
    if (recorded) return recorded.output as T;
    let previous: RetryState | undefined = retries[id];
    if (previous?.escalatedAfterSeq !== undefined) {
      // Retries ran out and a person has the step: only their decision moves it.
      const decision = decisionsFor(events, id, previous.escalatedAfterSeq).at(-1);
      if (!decision) return awaitHuman(id, failureTask(id, previous), null);
      if (decision.decision === "resolve") return resolvedByHuman(id, decision, decision);
      previous = undefined; // "retry": a fresh round of attempts, at once
    } else if (previous && now() < previous.notBefore) {
      // Woken early (by an event or another timer): the backoff still stands.
      throw new Suspend({ kind: "retry", stepId: id, retry: previous });
    }
    const key = idempotencyKey(id);
    const attempt = beginAttempt ? await beginAttempt(id, key) : (previous?.failures ?? 0) + 1;
    const startedAt = now();
    let output: T;
    try {
      output = await fn({ idempotencyKey: key, attempt });
    } catch (thrown) {
      const error = toError(thrown);
      const failures = (previous?.failures ?? 0) + 1;
      const lastError = { name: error.name, message: error.message };
      if (error instanceof FatalError || failures > (policy.retries ?? DEFAULT_RETRIES)) {
        // The last attempt failed: a person takes the step over, with the error as context.
        const state: RetryState = { failures, notBefore: now(), lastError, escalatedAfterSeq: lastSeq };
        return awaitHuman(id, failureTask(id, state), null, { stepId: id, state });
      }
      const delay = error instanceof RetryAfter ? error.ms : backoff(policy, failures, random, span);
      throw new Suspend({ kind: "retry", stepId: id, retry: { failures, notBefore: now() + delay, lastError } });
    }
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
        const notice: ApprovalNotice = { workflowId: workflow.id, caseKey, stepId: id, title: request.title, summary: request.summary, proposedAction: request.proposedAction, queue: request.queue ?? "approvals", role: request.role ?? DEFAULT_ROLE, approvals: request.approvals ?? 1, slaDeadline };
        await runStep(`${id}:notify`, "run", (ctx) => notifier.send(notice, ctx));
      }
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
      const verdict = approvalVerdict(task, decisions) ?? (deadline !== null && now() >= deadline ? "timed_out" : null);
      if (!verdict) return awaitHuman(id, task, deadline);
      const output: ApprovalResult = { approved: verdict === "approved", outcome: verdict, decisions };
      return complete({ id, kind: "approve", output, startedAt, finishedAt: now() });
    },

    async escalate(id: string, request: EscalationRequest): Promise<Outcome> {
      claim(id);
      const recorded = replay(id);
      if (recorded) return recorded.output as Outcome;
      const decision = decisionsFor(events, id).at(-1);
      if (decision) return resolvedByHuman(id, decision, decision);
      return awaitHuman(id, escalationTask(id, request, {}, ["resolve"]), null);
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
  const agent: WorkflowContext<I>["agent"] = (id, spec) => runAgent(step, turnStep, id, spec, models, { workflowId: workflow.id });

  try {
    await workflow.body({ input, caseKey, step, agent, config });
    return { kind: "failed", error: { name: "WorkflowError", message: `workflow ${workflow.id} returned without step.resolve()` } };
  } catch (thrown) {
    if (thrown instanceof Suspend) return thrown.result;
    const error = toError(thrown);
    return { kind: "failed", error: { name: error.name, message: error.message, stepId: completed[position]?.id } };
  }
}
