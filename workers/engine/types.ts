/** The engine's vocabulary. Pure data: no runtime APIs, so the same core runs in workerd, Deno and Node. */

export const CASE_STATUSES = ["open", "running", "waiting", "escalated", "resolved", "failed"] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export const TERMINAL_STATUSES: readonly CaseStatus[] = ["resolved", "failed"];

/** One verified, identified webhook delivery on its way to a case. */
export interface EventEnvelope {
  /** The sender's own delivery id. */
  id: string;
  source: string;
  /** `<event>.<action>`, e.g. `issues.opened`. */
  type: string;
  receivedAt: number;
  occurredAt?: number;
  caseKey: string;
  workflow: { id: string; version: number };
  payload: unknown;
}

export interface Trigger {
  source: string;
  /** Event types this trigger accepts, e.g. `["issues.opened"]`. */
  events: readonly string[];
  /** Which case the event belongs to; null when this payload cannot be correlated. */
  caseKey: (payload: any) => string | null;
}

export interface StepRecord {
  id: string;
  kind: "run" | "resolve";
  /** JSON-serialisable result, replayed instead of re-running the step. */
  output: unknown;
  startedAt: number;
  finishedAt: number;
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
  run<T>(id: string, fn: () => T | Promise<T>): Promise<T>;
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
