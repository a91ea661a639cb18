/**
 * What a workflow's exceptions cost, in the field's five parts (../shared/FIELD.md "What to measure"): time (people's
 * hours on cases with an exception), speed (how much longer those cases took to resolve than the rest), errors
 * (people's rejections of the agent's proposals, cases a step's error reached), opportunity (those hours at the
 * baseline's cost per hour) and scale (the time and opportunity at 2× and 5× today's volume, the exception share
 * unchanged). Time comes from the rollups; speed and rejected proposals from the period's case rows (the rollups keep
 * neither), read exactly. A part without data is null and says so on the page, never a zero.
 */
import { sql } from "drizzle-orm";
import type { MetricsDatabase } from "../client.ts";
import type { Tally } from "./definitions.ts";
import type { KpiFilter } from "./rollups.ts";

const DAY_MS = 86_400_000;

/** From the period's case rows: resolution times split by exception, and the people's verdicts on proposals. */
export interface ExceptionCaseStats {
  resolvedWithException: number;
  /** Sum of opening-to-resolution times of those cases, in ms. */
  resolvedWithExceptionMs: number;
  resolvedWithout: number;
  resolvedWithoutMs: number;
  /** Agent proposals put to a person, and those the person rejected. */
  proposals: number;
  proposalsRejected: number;
}

/**
 * Reads `ExceptionCaseStats` for the cases opened in the filter's days (one aggregate over the workflow's cases,
 * served by the (workflow, opened_at) index).
 * @example const stats = await exceptionCaseStats(db, { fromDay, toDay, workflowId: "refund-dispute" });
 */
export async function exceptionCaseStats(db: MetricsDatabase, filter: KpiFilter): Promise<ExceptionCaseStats> {
  const [row] = await db.all<Record<keyof ExceptionCaseStats, number | null>>(
    sql`SELECT
      sum(status = 'resolved' AND closed_at IS NOT NULL AND exception IS NOT NULL) AS resolvedWithException,
      sum(CASE WHEN status = 'resolved' AND closed_at IS NOT NULL AND exception IS NOT NULL THEN closed_at - opened_at ELSE 0 END) AS resolvedWithExceptionMs,
      sum(status = 'resolved' AND closed_at IS NOT NULL AND exception IS NULL) AS resolvedWithout,
      sum(CASE WHEN status = 'resolved' AND closed_at IS NOT NULL AND exception IS NULL THEN closed_at - opened_at ELSE 0 END) AS resolvedWithoutMs,
      sum(proposals) AS proposals,
      sum(proposals_rejected) AS proposalsRejected
      FROM cases WHERE opened_at >= ${filter.fromDay * DAY_MS} AND opened_at < ${(filter.toDay + 1) * DAY_MS}
      ${filter.workflowId !== undefined ? sql`AND workflow_id = ${filter.workflowId}` : sql``}
      ${filter.version !== undefined ? sql`AND workflow_version = ${filter.version}` : sql``}`,
  );
  const n = (k: keyof ExceptionCaseStats) => Number(row?.[k] ?? 0);
  return {
    resolvedWithException: n("resolvedWithException"),
    resolvedWithExceptionMs: n("resolvedWithExceptionMs"),
    resolvedWithout: n("resolvedWithout"),
    resolvedWithoutMs: n("resolvedWithoutMs"),
    proposals: n("proposals"),
    proposalsRejected: n("proposalsRejected"),
  };
}

export interface ExceptionCosts {
  time: {
    casesWithException: number;
    /** People's hours on cases with an exception (the KPIs' exception cost), to the hundredth. */
    hours: number;
    /** The same per week of the period. */
    hoursPerWeek: number;
    /** Of all the people's hours on the workflow's cases; null when people spent none. */
    shareOfPeopleTime: number | null;
  };
  /** Mean minutes to resolution with and without an exception, and the difference; null unless both have cases. */
  speed: {
    withException: number;
    without: number;
    extraMinutes: number;
    casesWith: number;
    casesWithout: number;
  } | null;
  errors: {
    proposals: number;
    proposalsRejected: number;
    /** Rejected ÷ proposals; null without proposals. */
    rejectedRate: number | null;
    /** Cases a step's error reached a person or failed. */
    erroredCases: number;
  };
  /** The exception hours at the baseline's cost per hour (minor units); null without a baseline. */
  opportunity: { minor: number; currency: string } | null;
  /** Time and opportunity at 2× and 5× today's volume, the exception share and cost per case unchanged. */
  scale: { factor: 2 | 5; hours: number; opportunityMinor: number | null }[];
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const meanMinutes = (ms: number, n: number) => Math.round(ms / n / 60_000);

/**
 * The five costs of the period's exceptions.
 * @example
 * const costs = exceptionCosts(tally, await exceptionCaseStats(db, filter), 30, { costPerHourMinor: 4_500, currency: "EUR" });
 * costs.scale[1] // → { factor: 5, hours: 62.5, opportunityMinor: 281_250 }
 */
export function exceptionCosts(
  tally: Pick<Tally, "withException" | "exceptionMinutes" | "humanMinutes" | "errored">,
  stats: ExceptionCaseStats,
  days: number,
  baseline: { costPerHourMinor: number; currency: string } | null,
): ExceptionCosts {
  const opportunityOf = (minutes: number) => (baseline ? Math.round((minutes * baseline.costPerHourMinor) / 60) : null);
  const speed =
    stats.resolvedWithException > 0 && stats.resolvedWithout > 0
      ? {
          withException: meanMinutes(stats.resolvedWithExceptionMs, stats.resolvedWithException),
          without: meanMinutes(stats.resolvedWithoutMs, stats.resolvedWithout),
          casesWith: stats.resolvedWithException,
          casesWithout: stats.resolvedWithout,
        }
      : null;
  const opportunity = opportunityOf(tally.exceptionMinutes);
  return {
    time: {
      casesWithException: tally.withException,
      hours: round2(tally.exceptionMinutes / 60),
      hoursPerWeek: round2(((tally.exceptionMinutes / 60) * 7) / Math.max(1, days)),
      shareOfPeopleTime: tally.humanMinutes > 0 ? tally.exceptionMinutes / tally.humanMinutes : null,
    },
    speed: speed && { ...speed, extraMinutes: speed.withException - speed.without },
    errors: {
      proposals: stats.proposals,
      proposalsRejected: stats.proposalsRejected,
      rejectedRate: stats.proposals > 0 ? stats.proposalsRejected / stats.proposals : null,
      erroredCases: tally.errored,
    },
    opportunity: opportunity === null || !baseline ? null : { minor: opportunity, currency: baseline.currency },
    scale: ([2, 5] as const).map((factor) => ({
      factor,
      hours: round2((tally.exceptionMinutes * factor) / 60),
      opportunityMinor: opportunityOf(tally.exceptionMinutes * factor),
    })),
  };
}
