/**
 * What the workflow page shows against manual handling: the baseline in force (db/baselines.ts), the period's change
 * against it (db/kpi/baseline.ts) and the five costs of its exceptions (db/kpi/exception-costs.ts), over the same
 * period and version filter as the page's other figures.
 */
import { type BaselineRow, baselineInForce } from "$db/baselines.ts";
import type { MetricsDatabase } from "$db/client.ts";
import {
  type BaselineComparison,
  compareWithBaseline,
  type ExceptionCosts,
  emptyTally,
  exceptionCaseStats,
  exceptionCosts,
  tallyFromRollups,
  valueFromRollups,
} from "$db/kpi/index.ts";
import { CATALOGUE } from "$workers/workflows/catalogue.ts";
import type { Period } from "./kpis.ts";

export interface AgainstManual {
  baseline: Pick<
    BaselineRow,
    "version" | "minutesPerCase" | "errorRate" | "dropOutRate" | "conversionRate" | "costPerHourMinor" | "currency"
  > | null;
  /** Null without a baseline. */
  comparison: BaselineComparison | null;
  /** What the workflow calls its success rate and drop-out (null: it measures none). */
  words: { conversion: string | null; dropOut: string | null };
  costs: ExceptionCosts;
  days: number;
}

/**
 * @example const manual = await againstManual(metricsDb(), "customer-onboarding", periodOf(url), undefined);
 */
export async function againstManual(
  db: MetricsDatabase,
  workflowId: string,
  period: Period,
  version: number | undefined,
): Promise<AgainstManual> {
  const filter = { fromDay: period.fromDay, toDay: period.toDay, workflowId, version };
  const [row, [all], value, stats] = await Promise.all([
    baselineInForce(db, workflowId),
    tallyFromRollups(db, filter, [], {}),
    valueFromRollups(db, filter),
    exceptionCaseStats(db, filter),
  ]);
  const tally = all?.tally ?? emptyTally();
  const measures = CATALOGUE.filter((w) => w.id === workflowId).at(-1)?.value;
  const baseline = row
    ? {
        version: row.version,
        minutesPerCase: row.minutesPerCase,
        errorRate: row.errorRate,
        dropOutRate: row.dropOutRate,
        conversionRate: row.conversionRate,
        costPerHourMinor: row.costPerHourMinor,
        currency: row.currency,
      }
    : null;
  return {
    baseline,
    comparison: baseline
      ? compareWithBaseline(baseline, tally, value, { dropOut: !!measures?.dropOut, success: !!measures })
      : null,
    words: { conversion: measures?.success.rateWords ?? null, dropOut: measures?.dropOut?.words ?? null },
    costs: exceptionCosts(tally, stats, period.days, baseline),
    days: period.days,
  };
}
