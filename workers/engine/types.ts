/** The engine's vocabulary. Pure data: no runtime APIs, so the same core runs in workerd, Deno and Node. */

export const CASE_STATUSES = ["open", "running", "waiting", "escalated", "resolved", "failed"] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export const TERMINAL_STATUSES: readonly CaseStatus[] = ["resolved", "failed"];

/** One verified, identified webhook delivery on its way to a case. */
export interface EventEnvelope {
  /** The sender's own event id (dedupe key within the source). */
  id: string;
  source: string;
  /** e.g. `issues.opened`, `invoice.payment_failed`. */
  type: string;
  receivedAt: number;
  occurredAt?: number;
  caseKey: string;
  workflow: { id: string; version: number };
  /** False for events that may join an open case but never open one. */
  opens: boolean;
  /** The event's payload as JSON text: usually the exact bytes the sender signed, stored as received. */
  payloadJson: string;
}

/** An event as the case stored it; `seq` is its arrival order within the case. */
export interface CaseEvent {
  seq: number;
  id: string;
  source: string;
  type: string;
  receivedAt: number;
  payload: unknown;
}

export interface Trigger {
  source: string;
  /** Event types this trigger takes, e.g. `["issues.opened"]`. */
  events: readonly string[];
  /** Narrows by payload, e.g. only tickets tagged `billing`. */
  when?: (payload: any) => boolean;
  /** Which case the event belongs to; null when this payload cannot be correlated. */
  caseKey: (payload: any) => string | null | undefined;
  /** False: the event joins an open case (buffered for a `waitFor`) but never opens one. Default true. */
  opens?: boolean;
}

/** What a `waitFor` step waits for. */
export interface EventMatcher {
  source?: string | readonly string[];
  type?: string | readonly string[];
  where?: (payload: any) => boolean;
}

/** Durations as milliseconds or text: `"90s"`, `"30m"`, `"48h"`, `"7d"`. */
export type Duration = number | `${number}${"ms" | "s" | "m" | "h" | "d"}`;

export type StepKind = "run" | "waitFor" | "resolve";

export interface StepRecord {
  id: string;
  kind: StepKind;
  /** The step's result, replayed instead of re-running it. */
  output: unknown;
  startedAt: number;
  finishedAt: number;
}

/** A wait the case is parked on; persisted by the shell so its deadline survives restarts. */
export interface PendingWait {
  stepId: string;
  startedAt: number;
  /** Epoch ms when the wait gives up; null waits forever. */
  deadline: number | null;
  /** Sources and types that could end it (empty: any), so the shell wakes the case only for those. */
  sources: readonly string[];
  types: readonly string[];
}

/** Failed attempts of a step that has not succeeded yet; persisted by the shell between attempts. */
export interface RetryState {
  failures: number;
  /** Epoch ms before which the step must not run again. */
  notBefore: number;
  lastError: { name: string; message: string };
}

export interface RetryPolicy {
  /** Attempts after the first (default 3). */
  retries?: number;
  /** First backoff (default 1 s), doubled per failure up to `maxDelay` (default 5 min), with jitter. */
  initialDelay?: Duration;
  maxDelay?: Duration;
}

export interface Outcome {
  /** Short machine label, e.g. `triaged`. */
  outcome: string;
  detail?: Record<string, unknown>;
}


export interface StepApi {
  /**
   * Runs `fn` once per case; on replay returns the stored result.
   * @example const labels = await step.run("classify", () => classify(issue));
   */
  run<T>(id: string, fn: () => T | Promise<T>, retry?: RetryPolicy): Promise<T>;
  /**
   * Waits for an event of another system, consuming one that arrived early; null after `timeout`.
   * @example const paid = await step.waitFor("invoice-paid", { source: "stripe", type: "invoice.paid" }, { timeout: "7d" });
   */
  waitFor(id: string, matcher: EventMatcher, options?: { timeout?: Duration }): Promise<CaseEvent | null>;
  /**
   * Ends the case as resolved.
   * @example return step.resolve("triaged", { labels });
   */
  resolve(outcome: string, detail?: Record<string, unknown>): Promise<Outcome>;
}

export interface WorkflowContext<I> {
  /** The payload of the event that opened the case. */
  input: I;
  caseKey: string;
  step: StepApi;
}

export interface WorkflowDefinition<I = any> {
  id: string;
  version: number;
  /** What a human spends on one case; autonomous resolutions × this = minutes saved. */
  minutesPerCase: number;
  triggers: readonly Trigger[];
  body: (ctx: WorkflowContext<I>) => Promise<Outcome>;
}
