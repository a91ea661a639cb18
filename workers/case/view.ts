/** The case as the case API shows it: header, wait, events, steps, attempts, people's decisions and its audited story. */
import {
  type AuditEntry,
  type CaseEvent,
  HUMAN_SOURCE,
  type HumanDecision,
  type PendingWait,
  type StepRecord,
} from "../engine/index.ts";
import type { CaseHeader, CaseStorage, StepAttempt } from "./storage.ts";

/** An audit entry without its chain fields: one line of the case's story. */
export type TimelineEntry = Omit<AuditEntry, "prevHash" | "hash">;

export interface CaseView {
  header: CaseHeader;
  /** The event that opened the case, with its payload (the case's input). */
  opener: { source: string; type: string; payload: unknown } | null;
  /** What the case is parked on, with the person's task when it waits for one. */
  wait: PendingWait | null;
  events: Omit<CaseEvent, "payload">[];
  steps: StepRecord[];
  /** Every attempt of every step's function, with its idempotency key. */
  attempts: StepAttempt[];
  decisions: (HumanDecision & { at: number })[];
  timeline: TimelineEntry[];
  pendingMetrics: number;
}

/** The case as stored, or null when there is no case. */
export function caseView(store: CaseStorage): CaseView | null {
  const header = store.header();
  if (!header) return null;
  const events = store.events();
  const first = events[0];
  return {
    header,
    opener: first ? { source: first.source, type: first.type, payload: first.payload } : null,
    wait: header.wait,
    events: events.map(({ payload: _payload, ...rest }) => rest),
    steps: store.steps(),
    attempts: store.attempts(),
    decisions: events
      .filter((e) => e.source === HUMAN_SOURCE)
      .map((e) => ({ ...(e.payload as HumanDecision), at: e.receivedAt })),
    timeline: store.auditEntries().map(({ prevHash: _p, hash: _h, ...entry }) => entry),
    pendingMetrics: store.pendingMetricCount(),
  };
}
