/**
 * A case's journal as recorded: what a shadow run (workers/shadow) replays on a candidate version. The header, the
 * inbound events with their payloads in arrival order (people's decisions among them, as the case stored them), and
 * the completed step records with their kinds, results and times.
 */
import type { CaseEvent, StepRecord } from "../engine/index.ts";
import type { CaseHeader, CaseStorage } from "./storage.ts";

export interface CaseJournal {
  header: CaseHeader;
  /** Every event the case stored, in arrival order, with its payload. */
  events: CaseEvent[];
  /** The completed steps in the order they ran (SLA records included), without their one-time audit notes. */
  steps: Omit<StepRecord, "audit">[];
}

/**
 * The case's journal, or null when there is no case.
 * @example const journal = caseJournal(store); journal?.steps.find((s) => s.id === "triage")?.output;
 */
export function caseJournal(store: CaseStorage): CaseJournal | null {
  const header = store.header();
  if (!header) return null;
  return {
    header,
    events: store.events(),
    steps: store.steps().map(({ audit: _audit, ...step }) => step),
  };
}
