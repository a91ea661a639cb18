/** A case's own vocabulary: its statuses, the events it stores, the steps it records and how they retry. Pure data. */
import type { AuditActor } from "../audit.ts";

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
  /** Which of the key's cases this is addressed to (1, the first, when absent); set as the key's cases succeed each other. */
  caseSeq?: number;
  /** The event's payload as JSON text: usually the exact bytes the sender signed, stored as received. */
  payloadJson: string;
}

/**
 * What a case answers when handed an event: stored (`accepted`), stored before (`duplicate`), not taken (`no_case`:
 * no case is open and the event may not open one; `ended` names the key's case that ended), or `forward`: the case
 * ended and the key's next case is `seq`, so the event goes there.
 */
export type CaseIngestResult =
  | { status: "accepted" | "duplicate" }
  | { status: "no_case"; ended?: { caseId: string; status: CaseStatus; oneCasePerKey?: true } }
  | { status: "forward"; seq: number };
export type CaseIngestStatus = CaseIngestResult["status"];

/** An event as the case stored it; `seq` is its arrival order within the case. */
export interface CaseEvent {
  seq: number;
  id: string;
  source: string;
  type: string;
  receivedAt: number;
  payload: unknown;
}

/** Durations as milliseconds or text: `"90s"`, `"30m"`, `"48h"`, `"7d"`. */
export type Duration = number | `${number}${"ms" | "s" | "m" | "h" | "d"}`;

/** `sla`: a record the engine keeps while a person's task waits (its SLA passed, the notice of that was sent). */
export type StepKind =
  | "run"
  | "agent"
  | "decide"
  | "waitFor"
  | "sleep"
  | "ask"
  | "approve"
  | "escalate"
  | "resolve"
  | "sla";

export interface StepRecord {
  id: string;
  kind: StepKind;
  /** The step's result, replayed instead of re-running it. */
  output: unknown;
  startedAt: number;
  finishedAt: number;
  /** The case event a wait consumed (so no later wait is handed the same one). */
  eventSeq?: number;
  /**
   * How the step is audited when it is recorded: who acted (a model for an agent turn) and extra entries (its
   * guardrail verdicts). Used once, when the record is stored; not part of the replay journal.
   */
  audit?: { actor?: AuditActor; entries?: { action: string; detail: Record<string, unknown> }[] };
}

/** Failed attempts of a step that has not succeeded yet; persisted by the shell between attempts. */
export interface RetryState {
  failures: number;
  /** Epoch ms before which the step must not run again. */
  notBefore: number;
  lastError: { name: string; message: string };
  /**
   * Set once retries are exhausted and the step is handed to a person: the sequence number of the last case
   * event at that moment, so only decisions that came later count.
   */
  escalatedAfterSeq?: number;
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

/** Passed to a step's function: what a connector needs to make its call safe to repeat. */
export interface StepContext {
  /**
   * The same for every attempt of this step in this case, and after a crash: a connector sends it as
   * `Idempotency-Key` so a repeated call is answered from the provider's record instead of acting twice.
   */
  idempotencyKey: string;
  /** 1 for the first attempt. */
  attempt: number;
  /**
   * True when this attempt was cut off after it began (the case stopped before its result was recorded) and runs
   * again under the same number: its call may already have reached the other system.
   */
  resumed?: boolean;
  /**
   * When the step's first attempt began (epoch ms), given with `resumed` or from the second attempt on: an earlier
   * call of this step that acted did so after it, so a connector whose provider has no idempotency key can look
   * that effect up instead of acting twice.
   */
  firstAttemptAt?: number;
}

/**
 * What became of a message the customer wrote while the case waited (an interjection: a question): answered without a
 * person, withheld (the answer written failed its check, a person answers), or escalated to a person at once. Recorded
 * in the audit trail where it is settled (a rule's verdict, an escalation), so the conversation measures per workflow
 * and version (questions answered without a person, grounding, escalations, languages) are read from the trail alone.
 */
export interface ConversationTurn {
  outcome: "answered" | "withheld" | "escalated";
  /** The language the customer wrote in, ISO 639-1 (e.g. `de`). */
  language: string;
  /** The passages an answer cited. */
  citations?: readonly string[];
}
