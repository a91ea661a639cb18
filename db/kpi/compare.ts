/**
 * Two versions of a workflow compared KPI by KPI, with the uncertainty their sample sizes leave: "is v3 better than
 * v2, and may it take more traffic?". Each figure comes with a 95 % interval, the change with its own interval, and a
 * verdict that only says better or worse when the data rule out chance, and says "not enough cases" below a declared
 * minimum sample instead of guessing.
 */
import { percentileMinutes, type Tally } from "./definitions.ts";

/**
 * The two-sided 95 % standard normal quantile, Φ⁻¹(0.975), to the double's precision (NIST/SEMATECH e-Handbook of
 * Statistical Methods, 1.3.6.7.1; R `qnorm(0.975)`). The only quantile the comparison needs, so a constant rather
 * than a statistics package the dashboard would have to load.
 */
export const Z_95 = 1.959963984540054;

/** Below this many cases per version a verdict would be noise: the comparison says "not enough cases". */
export const DEFAULT_MINIMUM_SAMPLE = 30;

export interface Interval {
  low: number;
  high: number;
}

/**
 * Wilson's score interval for a proportion (Wilson 1927; method 3 in Newcombe 1998): unlike the textbook p ± z·se it
 * stays inside [0, 1] and keeps its coverage near 0 % and 100 %, which is where autonomy and error rates live.
 */
export function wilsonInterval(successes: number, n: number, z = Z_95): Interval | null {
  if (n <= 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  const denominator = 1 + z2 / n;
  // At 0 and n the bounds are exactly 0 and 1; the formula reaches them only up to rounding.
  return {
    low: successes === 0 ? 0 : (centre - spread) / denominator,
    high: successes === n ? 1 : (centre + spread) / denominator,
  };
}

/**
 * The difference of two proportions, b − a, with Newcombe's hybrid score interval (Newcombe 1998, "Interval
 * estimation for the difference between independent proportions", method 10): built from the two Wilson intervals,
 * so it inherits their good behaviour at small counts and at 0 % or 100 %, where the Wald interval fails.
 */
export function newcombeDifference(
  a: { successes: number; n: number },
  b: { successes: number; n: number },
  z = Z_95,
): { difference: number; interval: Interval } | null {
  const wa = wilsonInterval(a.successes, a.n, z);
  const wb = wilsonInterval(b.successes, b.n, z);
  if (!wa || !wb) return null;
  const pa = a.successes / a.n;
  const pb = b.successes / b.n;
  const difference = pb - pa;
  return {
    difference,
    interval: {
      low: difference - Math.sqrt((pb - wb.low) ** 2 + (wa.high - pa) ** 2),
      high: difference + Math.sqrt((wb.high - pb) ** 2 + (pa - wa.low) ** 2),
    },
  };
}

/** P(X ≤ k) for X ~ Binomial(n, ½), summed in log space so that tens of thousands of cases do not underflow. */
function binomialHalfCdf(k: number, n: number): number {
  let logTerm = -n * Math.LN2; // log P(X = 0)
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    sum += Math.exp(logTerm);
    logTerm += Math.log((n - i) / (i + 1));
  }
  return Math.min(1, sum);
}

/**
 * A 95 % interval for the median time to resolution from the bucket histogram: the distribution-free order-statistic
 * interval [X₍ⱼ₎, X₍ₙ₊₁₋ⱼ₎], with j the largest rank such that P(Binomial(n, ½) ≤ j − 1) ≤ 2.5 % (the count of cases
 * below the true median is Binomial(n, ½) whatever the distribution). Times to resolution are skewed with long tails,
 * so no normal or log-normal model fits them honestly; order statistics need none, and they survive bucketing because
 * buckets only round down: the ranks pick buckets, and the true median lies between the lower bound of the low bucket
 * and the end of the high bucket. Null below 6 resolved cases, where even [min, max] covers less than 95 %.
 */
export function medianInterval(histogram: ReadonlyMap<number, number>): Interval | null {
  const buckets = [...histogram].filter(([, cases]) => cases > 0).sort(([a], [b]) => a - b);
  const n = buckets.reduce((sum, [, cases]) => sum + cases, 0);
  let j = 0;
  while (j + 1 <= n && binomialHalfCdf(j, n) <= 0.025) j++;
  if (j === 0) return null;
  const atRank = (rank: number): number => {
    let seen = 0;
    for (const [bucket, cases] of buckets) {
      seen += cases;
      if (seen >= rank) return bucket;
    }
    return buckets.at(-1)![0];
  };
  return { low: atRank(j), high: atRank(n + 1 - j) };
}

export type Verdict = "better" | "worse" | "no difference yet" | "not enough cases";

export type ComparedKpi =
  | "autonomousResolutionRate"
  | "escalationRate"
  | "errorRate"
  | "slaBreachRate"
  | "medianMinutesToResolution";

interface RateDefinition {
  kpi: Exclude<ComparedKpi, "medianMinutesToResolution">;
  label: string;
  higherIsBetter: boolean;
  successes: (t: Tally) => number;
  /** The cases the rate is a share of: the sample its interval rests on. */
  sample: (t: Tally) => number;
}

/** The rates as db/kpi/definitions.ts `kpisOf` defines them, each with the direction in which it improves. */
const RATES: readonly RateDefinition[] = [
  {
    kpi: "autonomousResolutionRate",
    label: "Autonomous resolution",
    higherIsBetter: true,
    successes: (t) => t.resolvedAutonomous,
    sample: (t) => t.opened,
  },
  {
    kpi: "escalationRate",
    label: "Escalation rate",
    higherIsBetter: false,
    successes: (t) => t.escalated,
    sample: (t) => t.opened,
  },
  {
    kpi: "errorRate",
    label: "Error rate",
    higherIsBetter: false,
    successes: (t) => t.errored,
    sample: (t) => t.opened,
  },
  {
    kpi: "slaBreachRate",
    label: "SLA breach rate",
    higherIsBetter: false,
    successes: (t) => t.slaBreached,
    sample: (t) => t.handedToPerson,
  },
];

export interface Estimate {
  /** A rate (0–1) or minutes; null without cases. */
  value: number | null;
  interval: Interval | null;
  /** The cases the figure rests on (its denominator; resolved cases for time to resolution). */
  sample: number;
}

export interface KpiComparison {
  kpi: ComparedKpi;
  label: string;
  unit: "rate" | "minutes";
  higherIsBetter: boolean;
  baseline: Estimate;
  candidate: Estimate;
  /** Candidate − baseline; the interval is Newcombe's for rates, null for time to resolution (compared by intervals). */
  change: { difference: number; interval: Interval | null } | null;
  verdict: Verdict;
  /** How many more cases the version with fewer lacks before a verdict may be given; 0 once both have enough. */
  casesNeeded: number;
}

export interface CompareOptions {
  /** Cases each version needs, per KPI's sample, before a verdict (default 30). */
  minimumSample?: number;
}

const directed = (candidateIsHigher: boolean, higherIsBetter: boolean): Verdict =>
  candidateIsHigher === higherIsBetter ? "better" : "worse";

function compareRate(def: RateDefinition, baseline: Tally, candidate: Tally, minimum: number): KpiComparison {
  const estimate = (t: Tally): Estimate => {
    const n = def.sample(t);
    return { value: n > 0 ? def.successes(t) / n : null, interval: wilsonInterval(def.successes(t), n), sample: n };
  };
  const a = estimate(baseline);
  const b = estimate(candidate);
  const change = newcombeDifference(
    { successes: def.successes(baseline), n: a.sample },
    { successes: def.successes(candidate), n: b.sample },
  );
  const casesNeeded = Math.max(0, minimum - Math.min(a.sample, b.sample));
  let verdict: Verdict = "not enough cases";
  if (casesNeeded === 0 && change) {
    // The interval of the difference decides: only when it leaves out zero is the change more than chance.
    if (change.interval.low > 0) verdict = directed(true, def.higherIsBetter);
    else if (change.interval.high < 0) verdict = directed(false, def.higherIsBetter);
    else verdict = "no difference yet";
  }
  const { kpi, label, higherIsBetter } = def;
  return { kpi, label, unit: "rate", higherIsBetter, baseline: a, candidate: b, change, verdict, casesNeeded };
}

function compareTimeToResolution(baseline: Tally, candidate: Tally, minimum: number): KpiComparison {
  const estimate = (t: Tally): Estimate => ({
    value: percentileMinutes(t.ttr, 0.5),
    interval: medianInterval(t.ttr),
    sample: [...t.ttr.values()].reduce((sum, cases) => sum + cases, 0),
  });
  const a = estimate(baseline);
  const b = estimate(candidate);
  const change = a.value !== null && b.value !== null ? { difference: b.value - a.value, interval: null } : null;
  const casesNeeded = Math.max(0, minimum - Math.min(a.sample, b.sample));
  let verdict: Verdict = "not enough cases";
  if (casesNeeded === 0 && a.interval && b.interval) {
    // Medians have no simple interval for their difference; disjoint intervals are the conservative test. Bucket
    // bounds are lower edges, so a strictly lower high bucket is a strictly shorter time.
    if (b.interval.high < a.interval.low) verdict = "better";
    else if (b.interval.low > a.interval.high) verdict = "worse";
    else verdict = "no difference yet";
  }
  return {
    kpi: "medianMinutesToResolution",
    label: "Median time to resolution",
    unit: "minutes",
    higherIsBetter: false,
    baseline: a,
    candidate: b,
    change,
    verdict,
    casesNeeded,
  };
}

/**
 * @example
 * const rows = compareVersions(v2.tally, v3.tally); // is v3 better than v2?
 * rows.find((r) => r.kpi === "errorRate")?.verdict; // "worse"
 */
export function compareVersions(baseline: Tally, candidate: Tally, options: CompareOptions = {}): KpiComparison[] {
  const minimum = options.minimumSample ?? DEFAULT_MINIMUM_SAMPLE;
  return [
    ...RATES.map((def) => compareRate(def, baseline, candidate, minimum)),
    compareTimeToResolution(baseline, candidate, minimum),
  ];
}
