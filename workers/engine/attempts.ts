/**
 * One attempt of a step's function and what a failure means for the next: a retry after backoff, or the last one.
 * Every memoised step (`step.run` and the kinds built on it) and every SLA notice runs its function through here.
 */
import { FatalError, RetryAfter } from "./errors.ts";
import type { AttemptResult } from "./sla.ts";
import type { AttemptStart } from "./suspend.ts";
import type { Duration, RetryPolicy, RetryState, StepContext } from "./types/case.ts";

const DEFAULT_RETRIES = 3;

/** What an attempt reads of its case (the replay context is one). */
export interface AttemptSite {
  /** One key per step of the case instance, handed to the function so its side effects happen once. */
  idempotencyKey(id: string): string;
  now(): number;
  /** A declared duration in this run's milliseconds. */
  span(d: Duration): number;
  /** Backoff's jitter; `Math.random` unless a test fixes it. */
  readonly random?: (() => number) | undefined;
  /** The shell's record of an attempt before it runs; without one, attempts are counted from the retry state. */
  readonly beginAttempt?:
    | ((stepId: string, idempotencyKey: string) => AttemptStart | Promise<AttemptStart>)
    | undefined;
  /**
   * A sandbox's recorded answer for a step: a shadow run (workers/shadow) answers a step production already ran with
   * production's result, and the function (with its effect) does not run. Never set on a live case.
   */
  readonly recordedAnswer?: ((stepId: string) => { output: unknown } | undefined) | undefined;
}

/** Exponential backoff with jitter: base × 2^(failures-1), capped, scaled by 50–100 %. */
function backoff(policy: RetryPolicy, failures: number, random: () => number, span: (d: Duration) => number): number {
  const base = span(policy.initialDelay ?? 1000);
  const cap = span(policy.maxDelay ?? "5m");
  return Math.round(Math.min(cap, base * 2 ** (failures - 1)) * (0.5 + random() / 2));
}

export const toError = (thrown: unknown) => (thrown instanceof Error ? thrown : new Error(String(thrown)));

/** One attempt of a step's function, recorded by the shell before it runs; a throw comes back as its next retry state. */
export async function attempt<T>(
  site: AttemptSite,
  id: string,
  fn: (ctx: StepContext) => T | Promise<T>,
  previous: RetryState | undefined,
  policy: RetryPolicy,
): Promise<AttemptResult<T>> {
  const key = site.idempotencyKey(id);
  const begun = site.beginAttempt ? await site.beginAttempt(id, key) : (previous?.failures ?? 0) + 1;
  const started = typeof begun === "number" ? { attempt: begun } : begun;
  const startedAt = site.now();
  const recorded = site.recordedAnswer?.(id);
  if (recorded) return { ok: true, output: recorded.output as T, startedAt };
  try {
    return { ok: true, output: await fn({ idempotencyKey: key, ...started }), startedAt };
  } catch (thrown) {
    const error = toError(thrown);
    const failures = (previous?.failures ?? 0) + 1;
    const lastError = { name: error.name, message: error.message };
    if (error instanceof FatalError || failures > (policy.retries ?? DEFAULT_RETRIES))
      return { ok: false, final: true, state: { failures, notBefore: site.now(), lastError } };
    const delay =
      error instanceof RetryAfter
        ? error.ms
        : backoff(policy, failures, site.random ?? Math.random, (d) => site.span(d));
    return { ok: false, final: false, state: { failures, notBefore: site.now() + delay, lastError } };
  }
}
