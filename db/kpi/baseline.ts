/**
 * The change against manual handling: a workflow's measured figures beside the baseline an admin entered for it
 * (db/baselines.ts). Time saved counts the people's measured minutes (a case's `humanMinutes`: what a person spent on
 * it when it was handed over), not a declared figure; rates carry a 95 % Wilson interval on the measured side (the
 * baseline is taken as entered). A figure without data is `null`, never a zero.
 */
import { type Interval, wilsonInterval } from "./compare.ts";
import type { Tally } from "./definitions.ts";
import type { ValueTally } from "./value.ts";

/** The baseline fields the comparison reads (a `BaselineRow`). */
export interface Baseline {
  minutesPerCase: number;
  errorRate: number;
  dropOutRate: number | null;
  conversionRate: number | null;
  costPerHourMinor: number;
  currency: string;
}

/** A rate measured now against the baseline's. */
export interface RateChange {
  /** The baseline's rate (0–1). */
  before: number;
  /** Measured now: successes ÷ cases, with its 95 % interval. */
  now: number;
  interval: Interval;
  cases: number;
  /** now − before, in rate units (−0.05: five points lower), and the same for the interval's ends. */
  change: number;
  changeInterval: Interval;
}

export interface BaselineComparison {
  /** Cases opened in the period, and the minutes people spent on them (measured). */
  cases: number;
  measuredMinutes: number;
  /** What the same cases would have taken by hand: cases × the baseline's minutes per case. */
  manualMinutes: number;
  /** (manual − measured) ÷ 60, to the hundredth; null without cases. */
  hoursSaved: number | null;
  /** (manual − measured) minutes ÷ 60 × the baseline's cost per hour, in minor units of `currency` (rounded). */
  moneySavedMinor: number | null;
  currency: string;
  /** Cases where a step's error reached a person or failed the case, against the baseline's error rate. */
  errors: RateChange | null;
  /** Null when the workflow measures no drop-out, has no measured cases, or the baseline has no drop-out rate. */
  dropOut: RateChange | null;
  /** The workflow's success rate (conversion) likewise. */
  conversion: RateChange | null;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * `successes` of `cases` against the baseline rate `before`; null without cases or without a baseline figure.
 * @example rateChange(0.27, 3, 20)?.change // → -0.12: 15 % now against 27 % before
 */
export function rateChange(before: number | null, successes: number, cases: number): RateChange | null {
  const interval = wilsonInterval(successes, cases);
  if (before === null || interval === null) return null;
  const now = successes / cases;
  return {
    before,
    now,
    interval,
    cases,
    change: now - before,
    changeInterval: { low: interval.low - before, high: interval.high - before },
  };
}

/** The value tallies of a workflow's versions added up (the comparison is over the whole workflow or one version). */
function valueTotals(value: readonly ValueTally[]) {
  return value.reduce(
    (t, v) => ({
      cases: t.cases + v.cases,
      succeeded: t.succeeded + v.succeeded,
      droppedOut: t.droppedOut + v.droppedOut,
    }),
    { cases: 0, succeeded: 0, droppedOut: 0 },
  );
}

/**
 * The period's figures against `baseline`. `measures` says which value measures the workflow declares (no drop-out
 * measured: no drop-out change, whatever the baseline says).
 * @example
 * const c = compareWithBaseline(baseline, tally, await valueFromRollups(db, filter), { dropOut: true });
 * c.hoursSaved // → 41.5
 */
export function compareWithBaseline(
  baseline: Baseline,
  tally: Pick<Tally, "opened" | "humanMinutes" | "errored">,
  value: readonly ValueTally[],
  measures: { dropOut: boolean; success: boolean },
): BaselineComparison {
  const manualMinutes = tally.opened * baseline.minutesPerCase;
  const hoursSaved = tally.opened > 0 ? round2((manualMinutes - tally.humanMinutes) / 60) : null;
  const totals = valueTotals(value);
  return {
    cases: tally.opened,
    measuredMinutes: tally.humanMinutes,
    manualMinutes,
    hoursSaved,
    moneySavedMinor:
      tally.opened > 0 ? Math.round(((manualMinutes - tally.humanMinutes) * baseline.costPerHourMinor) / 60) : null,
    currency: baseline.currency,
    errors: rateChange(baseline.errorRate, tally.errored, tally.opened),
    dropOut: measures.dropOut ? rateChange(baseline.dropOutRate, totals.droppedOut, totals.cases) : null,
    conversion: measures.success ? rateChange(baseline.conversionRate, totals.succeeded, totals.cases) : null,
  };
}
