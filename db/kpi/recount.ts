/**
 * Tallies straight from case rows (a case's header and measured facts): how `npm run kpi:verify` recounts from the
 * case objects, and how tests state what the rollups must hold. The same contribution rules as the rollup triggers
 * (db/migrations/0002_rollup_triggers.sql, with 0013's SLA counts), in TypeScript.
 */
import { type CaseSnapshot, dayOf, ttrBucketMinutes } from "../facts.ts";
import type { Tally } from "./definitions.ts";
import { type GroupKey, type KpiFilter, type TallyGroup, TallyGroups } from "./rollups.ts";

export type CaseRow = Pick<
  CaseSnapshot,
  | "workflowId"
  | "workflowVersion"
  | "status"
  | "openedAt"
  | "closedAt"
  | "humanTouch"
  | "escalated"
  | "errored"
  | "exception"
  | "asks"
  | "judgments"
  | "humanDecisions"
  | "humanMinutes"
  | "minutesSaved"
  | "handedToPerson"
  | "slaBreaches"
>;

/** Adds one case's contribution to a tally. */
export function addCase(t: Tally, c: CaseRow): void {
  t.opened++;
  if (c.status === "resolved" && !c.humanTouch) t.resolvedAutonomous++;
  if (c.status === "resolved" && c.humanTouch) t.resolvedHuman++;
  if (c.status === "failed") t.failed++;
  if (c.status === "escalated") t.awaitingHuman++;
  if (c.escalated) t.escalated++;
  if (c.errored) t.errored++;
  if (c.exception !== null) t.withException++;
  if (c.asks > 0) t.conversational++;
  if (c.judgments > 0) t.judgment++;
  t.humanDecisions += c.humanDecisions;
  t.humanMinutes += c.humanMinutes;
  if (c.exception !== null) t.exceptionMinutes += c.humanMinutes;
  t.minutesSaved += c.minutesSaved;
  if (c.handedToPerson) t.handedToPerson++;
  if (c.slaBreaches > 0) t.slaBreached++;
  if (c.status === "resolved" && c.closedAt !== null) {
    const bucket = ttrBucketMinutes(c.closedAt - c.openedAt);
    t.ttr.set(bucket, (t.ttr.get(bucket) ?? 0) + 1);
  }
  if (c.exception !== null) {
    const e = t.exceptions.get(c.exception) ?? { cases: 0, humanMinutes: 0 };
    t.exceptions.set(c.exception, { cases: e.cases + 1, humanMinutes: e.humanMinutes + c.humanMinutes });
  }
}

/**
 * @example
 * const [all] = tallyFromCases(cases, { fromDay: 0, toDay: 99999 });
 */
export function tallyFromCases(rows: Iterable<CaseRow>, filter: KpiFilter, by: readonly GroupKey[] = []): TallyGroup[] {
  const groups = new TallyGroups(by);
  for (const c of rows) {
    const day = dayOf(c.openedAt);
    if (day < filter.fromDay || day > filter.toDay) continue;
    if (filter.workflowId !== undefined && c.workflowId !== filter.workflowId) continue;
    if (filter.version !== undefined && c.workflowVersion !== filter.version) continue;
    addCase(groups.of({ workflow_id: c.workflowId, workflow_version: c.workflowVersion, day }), c);
  }
  return groups.list();
}
