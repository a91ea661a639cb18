/**
 * The pure core: given a workflow, the case's events and the steps it has already completed, run the body
 * until exactly one new step completes, the case must wait, or it ends. The shell persists the result and
 * calls again, so every step is durable before the next begins and a crash repeats at most the step in flight.
 */
import { parseDuration } from "./duration.ts";
import { FatalError, RetryAfter } from "./errors.ts";
import type { CaseEvent, Duration, EventMatcher, Outcome, PendingWait, RetryPolicy, RetryState, StepRecord, WorkflowDefinition } from "./types.ts";

export type Advance =
  | { kind: "step"; record: StepRecord }
  | { kind: "waiting"; wait: PendingWait }
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
}

const DEFAULT_RETRIES = 3;

/** Exponential backoff with jitter: base × 2^(failures-1), capped, scaled by 50–100 %. */
function backoff(policy: RetryPolicy, failures: number, random: () => number): number {
  const base = parseDuration(policy.initialDelay ?? 1000);
  const cap = parseDuration(policy.maxDelay ?? "5m");
  return Math.round(Math.min(cap, base * 2 ** (failures - 1)) * (0.5 + random() / 2));
}

const asList = (value: string | readonly string[] | undefined): readonly string[] => (value === undefined ? [] : typeof value === "string" ? [value] : value);

function matches(matcher: EventMatcher, event: CaseEvent): boolean {
  const sources = asList(matcher.source);
  const types = asList(matcher.type);
  if (sources.length > 0 && !sources.includes(event.source)) return false;
  if (types.length > 0 && !types.includes(event.type)) return false;
  try {
    return matcher.where ? matcher.where(event.payload) === true : true;
  } catch {
    // A predicate that trips over an unexpected payload shape means "not this event".
    return false;
  }
}

/**
 * @example
 * const next = await advanceCase({ workflow, caseKey, input, events, completed, pendingWait: null, now: Date.now });
 * if (next.kind === "step") persist(next.record);
 */
export async function advanceCase<I>({ workflow, caseKey, input, events, completed, pendingWait, retries = {}, now, random = Math.random }: AdvanceInput<I>): Promise<Advance> {
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
  const openerSeq = events[0]?.seq;
  const consumed = new Set(
    completed.filter((s) => s.kind === "waitFor" && s.output !== null).map((s) => (s.output as CaseEvent).seq),
  );

  const step = {
    async run<T>(id: string, fn: () => T | Promise<T>, policy: RetryPolicy = {}): Promise<T> {
      claim(id);
      const recorded = replay(id);
      if (recorded) return recorded.output as T;
      const previous = retries[id];
      // Woken early (by an event or another timer): the backoff still stands.
      if (previous && now() < previous.notBefore) throw new Suspend({ kind: "retry", stepId: id, retry: previous });
      const startedAt = now();
      let output: T;
      try {
        output = await fn();
      } catch (thrown) {
        const error = thrown instanceof Error ? thrown : new Error(String(thrown));
        const failures = (previous?.failures ?? 0) + 1;
        const allowed = policy.retries ?? DEFAULT_RETRIES;
        if (error instanceof FatalError || failures > allowed) {
          const message = error instanceof FatalError ? error.message : `${error.message} (gave up after ${failures} attempts)`;
          throw new Suspend({ kind: "failed", error: { name: error.name, message, stepId: id } });
        }
        const delay = error instanceof RetryAfter ? error.ms : backoff(policy, failures, random);
        throw new Suspend({ kind: "retry", stepId: id, retry: { failures, notBefore: now() + delay, lastError: { name: error.name, message: error.message } } });
      }
      throw new Suspend({ kind: "step", record: { id, kind: "run", output: output ?? null, startedAt, finishedAt: now() } });
    },

    async waitFor(id: string, matcher: EventMatcher, options: { timeout?: Duration } = {}): Promise<CaseEvent | null> {
      claim(id);
      const recorded = replay(id);
      if (recorded) return recorded.output as CaseEvent | null;
      const timeoutMs = options.timeout === undefined ? null : parseDuration(options.timeout);
      const startedAt = pendingWait?.stepId === id ? pendingWait.startedAt : now();
      // Events are kept from the moment they arrive, so one that came before the wait began is found here.
      const event = events.find((e) => e.seq !== openerSeq && !consumed.has(e.seq) && matches(matcher, e));
      const deadline = timeoutMs === null ? null : startedAt + timeoutMs;
      if (event || (deadline !== null && now() >= deadline)) {
        throw new Suspend({ kind: "step", record: { id, kind: "waitFor", output: event ?? null, startedAt, finishedAt: now() } });
      }
      throw new Suspend({ kind: "waiting", wait: { stepId: id, startedAt, deadline, sources: asList(matcher.source), types: asList(matcher.type) } });
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

  try {
    await workflow.body({ input, caseKey, step });
    return { kind: "failed", error: { name: "WorkflowError", message: `workflow ${workflow.id} returned without step.resolve()` } };
  } catch (thrown) {
    if (thrown instanceof Suspend) return thrown.result;
    const error = thrown instanceof Error ? thrown : new Error(String(thrown));
    return { kind: "failed", error: { name: error.name, message: error.message, stepId: completed[position]?.id } };
  }
}
