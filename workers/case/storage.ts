/**
 * The port between the case runtime and where a case's state lives: SQLite in a Durable Object, or Deno KV when
 * self-hosted on Deno (or on Deno Deploy).
 * Reads and the writes inside `atomically` and `stage` are synchronous (each adapter keeps the case's state at hand);
 * `atomically` resolves once its writes, and those staged before it, are durable, all of them or none.
 */
import type {
  AuditEntry,
  AuditFields,
  CaseEvent,
  CaseStatus,
  EventEnvelope,
  PendingWait,
  RetryState,
  StepRecord,
} from "../engine/index.ts";
import type { CaseSnapshot, MetricEvent } from "../metrics/index.ts";

/** The case's own row: what the dashboard's summary shows, plus what only the case needs. */
export interface CaseHeader
  extends Pick<
    CaseSnapshot,
    | "caseId"
    | "caseKey"
    | "workflowId"
    | "workflowVersion"
    | "status"
    | "openedAt"
    | "updatedAt"
    | "closedAt"
    | "outcome"
  > {
  error: string | null;
  /** The wait the case is parked on while `waiting`. */
  wait: PendingWait | null;
  flushFailures: number;
  /** Which of its key's cases this is: 1 for the first, n for `<workflow>@n/<key>`. */
  seq: number;
  /** Once the case ended and its key opened a next case: that case's sequence number (events are passed on to it). */
  successor: number | null;
}

/** One attempt of a step's function, recorded before it runs: an unfinished one was cut off by a crash. */
export interface StepAttempt {
  stepId: string;
  attempt: number;
  idempotencyKey: string;
  startedAt: number;
  finishedAt: number | null;
  outcome: "succeeded" | "failed" | null;
}

export interface HeaderChange {
  status: CaseStatus;
  at: number;
  closedAt?: number;
  outcome?: string;
  error?: string;
  wait?: PendingWait;
}

export interface CaseStorage {
  /** Runs `fn` (synchronous store calls only) so that all of its writes land, durably, or none do. */
  atomically<T>(fn: () => T): Promise<T>;
  /**
   * Runs `fn` as a transaction now whose writes need be durable only with the next `atomically` (stored with it, or
   * lost with it): for records nothing outside the case acts on before then. Deno KV stores them in that commit
   * (one commit, not two); a Durable Object's SQLite writes them at once (its output gate holds what leaves meanwhile).
   */
  stage<T>(fn: () => T): T;

  /** Stores the event unless this (source, id) was stored before; true when it is new. */
  insertEvent(event: EventEnvelope): boolean;
  hasEvent(source: string, id: string): boolean;
  /** The case's events in arrival order; only those after `afterSeq` when given. */
  events(afterSeq?: number): CaseEvent[];
  /** True once a person has decided anything in this case (for the human-touch KPI). */
  hasHumanDecisions(): boolean;

  header(): CaseHeader | null;
  /** Opens the case as the key's `seq`-th (default 1). */
  openCase(caseKey: string, workflow: { id: string; version: number }, at: number, seq?: number): void;
  /** Records that the key's next case is `seq`: later events for the key are passed on to it. */
  setSuccessor(seq: number): void;
  /** Moves the case to `status`; `wait` is replaced (cleared unless given), the other fields only when given. */
  updateHeader(change: HeaderChange): void;

  steps(): StepRecord[];
  appendStep(record: StepRecord): void;

  /**
   * Records that a step's function is about to run. An attempt left unfinished was cut off by a crash: it is
   * resumed under its own number rather than counted again.
   */
  beginAttempt(stepId: string, idempotencyKey: string, at: number): { attempt: number; resumed: boolean };
  /** Closes the step's open attempt; call in the transaction that records its result. */
  finishAttempt(stepId: string, outcome: "succeeded" | "failed", at: number): void;
  attempts(): StepAttempt[];

  /** Failed attempts of steps that have not succeeded yet. */
  retries(): Record<string, RetryState>;
  setRetry(stepId: string, state: RetryState): void;
  clearRetry(stepId: string): void;

  /** Appends to the hash chain; call inside `atomically` with the change it records. */
  appendAudit(fields: AuditFields): AuditEntry;
  /** The chain in order; only the entries after `afterSeq` when given (the metrics flush reads what is new). */
  auditEntries(afterSeq?: number): AuditEntry[];

  /**
   * Queues a metric event in the current transaction, numbered `seq` = the case's last number + 1 (the metrics
   * writer applies a case's events once and in that order); an id queued before, sent or not, adds nothing.
   */
  queueMetric(event: MetricEvent): void;
  /** The oldest pending events, in number order (events queued before numbering first, without `seq`). */
  pendingMetrics(limit: number): MetricEvent[];
  pendingMetricCount(): number;
  /** Marks events handed over: no longer pending, their ids kept so they are not queued again. */
  markMetricsSent(ids: readonly string[]): void;
  /** Counts a failed flush and returns how many there have been in a row. */
  recordFlushFailure(): number;
}

/** The case's one timer (a Durable Object alarm, or a delayed Deno KV queue message). */
export interface AlarmClock {
  get(): Promise<number | null>;
  set(at: number): Promise<void>;
  delete(): Promise<void>;
  /**
   * Optional: stores the timer for `at` with the case's transaction now running (called inside `atomically`, as its
   * last act), in that transaction's own commit; the `set(at)` that follows the commit then writes nothing again.
   * A clock without it is set after the commit (a Durable Object's alarm).
   */
  carry?(at: number): void;
}

/**
 * Runs `fn` as one transaction of `store` and then sets the case's timer to `wakeAt(result)` (none when null). A
 * clock that can (Deno KV's) carries the timer in the transaction's own commit, so the change and the wake-up it
 * needs are durable together (a crash between two commits left an event stored and its case asleep: a retry is a
 * duplicate) and the caller waits for one commit, not two in a row; `set` then only confirms it.
 */
export async function atomicallyThenWake<T>(
  store: CaseStorage,
  timer: AlarmClock,
  fn: () => T,
  wakeAt: (result: T) => number | null,
): Promise<T> {
  let at: number | null = null;
  const result = await store.atomically(() => {
    const done = fn();
    at = wakeAt(done);
    // The transaction's last act: nothing after it can throw and leave a carried timer behind.
    if (at !== null) timer.carry?.(at);
    return done;
  });
  if (at !== null) await timer.set(at);
  return result;
}
