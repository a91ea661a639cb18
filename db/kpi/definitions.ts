/**
 * The KPI definitions: each figure is defined once, here, over a `Tally` of cases. The dashboard builds its tallies
 * from the rollups (db/kpi/rollups.ts), the raw-table fallback from `metric_events` (db/kpi/raw.ts) and
 * `npm run kpi:verify` from the case objects' own records (db/kpi/recount.ts); all three meet in `kpisOf`.
 * Cohorts are by the day a case opened (UTC): "of the cases opened in this period, how did they end".
 * The README's "KPI definitions" section states the same in words.
 */

/** Counts over a set of cases (see the columns of `daily_rollups`). */
export interface Tally {
  opened: number;
  resolvedAutonomous: number;
  resolvedHuman: number;
  failed: number;
  /** Parked on a person right now. */
  awaitingHuman: number;
  escalated: number;
  errored: number;
  withException: number;
  conversational: number;
  judgment: number;
  humanDecisions: number;
  humanMinutes: number;
  exceptionMinutes: number;
  minutesSaved: number;
  /** Handed to a person at least once (an approval or an escalation). */
  handedToPerson: number;
  /** Of those, cases whose task passed an SLA undecided at least once. */
  slaBreached: number;
  /** Resolved cases per time-to-resolution bucket (minutes, see `ttrBucketMinutes`). */
  ttr: Map<number, number>;
  /** Cases and human minutes per exception type. */
  exceptions: Map<string, { cases: number; humanMinutes: number }>;
}

export const COUNT_FIELDS = [
  "opened",
  "resolvedAutonomous",
  "resolvedHuman",
  "failed",
  "awaitingHuman",
  "escalated",
  "errored",
  "withException",
  "conversational",
  "judgment",
  "humanDecisions",
  "humanMinutes",
  "exceptionMinutes",
  "minutesSaved",
  "handedToPerson",
  "slaBreached",
] as const satisfies readonly (keyof Tally)[];

export type CountField = (typeof COUNT_FIELDS)[number];

export function emptyTally(): Tally {
  const tally = { ttr: new Map(), exceptions: new Map() } as unknown as Tally;
  for (const field of COUNT_FIELDS) tally[field] = 0;
  return tally;
}

/** Adds `b` into `a` (for period totals from daily tallies). */
export function mergeTally(a: Tally, b: Tally): Tally {
  for (const field of COUNT_FIELDS) a[field] += b[field];
  for (const [bucket, n] of b.ttr) a.ttr.set(bucket, (a.ttr.get(bucket) ?? 0) + n);
  for (const [type, e] of b.exceptions) {
    const mine = a.exceptions.get(type) ?? { cases: 0, humanMinutes: 0 };
    a.exceptions.set(type, { cases: mine.cases + e.cases, humanMinutes: mine.humanMinutes + e.humanMinutes });
  }
  return a;
}

/**
 * Nearest-rank percentile of a bucket histogram: the smallest bucket whose cumulative count reaches ⌈p·n⌉.
 * Buckets only round down, so this is the bucket of the exact percentile of the underlying durations.
 */
export function percentileMinutes(histogram: ReadonlyMap<number, number>, p: number): number | null {
  const entries = [...histogram].filter(([, n]) => n > 0).sort(([a], [b]) => a - b);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const [bucket, n] of entries) {
    seen += n;
    if (seen >= rank) return bucket;
  }
  return entries.at(-1)![0];
}

export interface ExceptionShare {
  type: string;
  cases: number;
  /** Of the cases with an exception. */
  share: number;
  humanMinutes: number;
}

export interface Kpis {
  casesOpened: number;
  resolvedAutonomously: number;
  resolvedWithHelp: number;
  /** Cases handed to a person by an escalation at least once. */
  escalated: number;
  failed: number;
  /** Opened and not yet resolved or failed (including those waiting on a person). */
  inProgress: number;
  awaitingHuman: number;
  /** Resolved with no human touch ÷ cases opened; null without cases. */
  autonomousResolutionRate: number | null;
  /** Escalated at least once ÷ cases opened. */
  escalationRate: number | null;
  /** Cases handed to a person (an approval or an escalation) at least once. */
  handedToPerson: number;
  /** Cases whose person's task passed its SLA undecided at least once. */
  slaBreached: number;
  /** SLA breached ÷ cases handed to a person: of the cases people had to act on, how many waited past their SLA. */
  slaBreachRate: number | null;
  /** Cases where a step's error reached a person or failed the case ÷ cases opened. */
  errorRate: number | null;
  /** Cases with at least one exception (a question, approval, escalation or step error off the routine path) ÷ opened. */
  exceptionRate: number | null;
  /** Cases that asked the customer something ÷ opened (readiness factor: conversation). */
  conversationRate: number | null;
  /** Cases with an agent (judgment) step ÷ opened (readiness factor: judgment). */
  judgmentRate: number | null;
  /** Time from opening to resolution of resolved cases, nearest rank, in minutes at bucket resolution. */
  medianMinutesToResolution: number | null;
  p90MinutesToResolution: number | null;
  /** Autonomous resolutions × the workflow version's declared minutes per case, in hours. */
  hoursSaved: number;
  /** Human minutes spent on cases with an exception, in hours. */
  exceptionCostHours: number;
  /** All human minutes, in hours. */
  humanHours: number;
  humanDecisions: number;
  exceptionMix: ExceptionShare[];
}

const rate = (n: number, d: number): number | null => (d > 0 ? n / d : null);
const hours = (minutes: number): number => Math.round((minutes / 60) * 100) / 100;

/**
 * @example
 * const kpis = kpisOf(await tallyFromRollups(db, { fromDay, toDay, workflowId: "customer-onboarding" }));
 */
export function kpisOf(t: Tally): Kpis {
  const exceptionCases = [...t.exceptions.values()].reduce((sum, e) => sum + e.cases, 0);
  const exceptionMix = [...t.exceptions]
    .filter(([, e]) => e.cases > 0)
    .map(([type, e]) => ({ type, cases: e.cases, share: e.cases / exceptionCases, humanMinutes: e.humanMinutes }))
    .sort((a, b) => b.cases - a.cases || a.type.localeCompare(b.type));
  return {
    casesOpened: t.opened,
    resolvedAutonomously: t.resolvedAutonomous,
    resolvedWithHelp: t.resolvedHuman,
    escalated: t.escalated,
    failed: t.failed,
    inProgress: t.opened - t.resolvedAutonomous - t.resolvedHuman - t.failed,
    awaitingHuman: t.awaitingHuman,
    autonomousResolutionRate: rate(t.resolvedAutonomous, t.opened),
    escalationRate: rate(t.escalated, t.opened),
    handedToPerson: t.handedToPerson,
    slaBreached: t.slaBreached,
    slaBreachRate: rate(t.slaBreached, t.handedToPerson),
    errorRate: rate(t.errored, t.opened),
    exceptionRate: rate(t.withException, t.opened),
    conversationRate: rate(t.conversational, t.opened),
    judgmentRate: rate(t.judgment, t.opened),
    medianMinutesToResolution: percentileMinutes(t.ttr, 0.5),
    p90MinutesToResolution: percentileMinutes(t.ttr, 0.9),
    hoursSaved: hours(t.minutesSaved),
    exceptionCostHours: hours(t.exceptionMinutes),
    humanHours: hours(t.humanMinutes),
    humanDecisions: t.humanDecisions,
    exceptionMix,
  };
}
