/**
 * The business result of a workflow (db/facts.ts `ValueMeasures`) per workflow × version: how many of its measured
 * cases succeeded (onboarded, recovered, refunded), dropped out, how long success took, and the money moved per
 * currency. Read from `value_rollups` (what the dashboard shows) or recounted from case rows by the same rules as
 * the rollup triggers (migration 0023): what `npm run kpi:verify` and the tests compare them with.
 */
import { sql } from "drizzle-orm";
import type { MetricsDatabase } from "../client.ts";
import { type CaseSnapshot, dayOf } from "../facts.ts";
import { type KpiFilter, whereOf } from "./rollups.ts";

export interface ValueTally {
  workflowId: string;
  version: number;
  /** Cases measured (every case of a workflow that declares value measures, from the release that measures them). */
  cases: number;
  succeeded: number;
  /** Sum of opening-to-success times of the succeeded cases, in ms. */
  successMs: number;
  droppedOut: number;
  /** Money moved, in minor units per upper-case currency code, largest first. */
  money: { currency: string; minor: number }[];
}

/** A case row's header and value facts (null or absent: its workflow measures none, or it reported before). */
export type ValueCaseRow = Pick<CaseSnapshot, "workflowId" | "workflowVersion" | "openedAt" | "closedAt"> & {
  succeeded?: boolean | null;
  droppedOut?: boolean | null;
  valueMinor?: number | null;
  valueCurrency?: string | null;
};

/** The figures a manager reads, from a tally: rates of the measured cases, the mean time to success in minutes. */
export interface ValueFigures {
  cases: number;
  succeeded: number;
  successRate: number | null;
  droppedOut: number;
  dropOutRate: number | null;
  meanMinutesToSuccess: number | null;
  money: { currency: string; minor: number }[];
}

/**
 * @example valueFiguresOf(tally).successRate // → 0.75: three of four applications onboarded
 */
export function valueFiguresOf(t: ValueTally): ValueFigures {
  const rate = (n: number) => (t.cases === 0 ? null : n / t.cases);
  return {
    cases: t.cases,
    succeeded: t.succeeded,
    successRate: rate(t.succeeded),
    droppedOut: t.droppedOut,
    dropOutRate: rate(t.droppedOut),
    meanMinutesToSuccess: t.succeeded === 0 ? null : Math.round(t.successMs / t.succeeded / 60_000),
    money: t.money,
  };
}

class ValueTallies {
  private readonly byKey = new Map<string, ValueTally & { moneyBy: Map<string, number> }>();

  add(
    workflowId: string,
    version: number,
    row: {
      currency: string;
      cases: number;
      succeeded: number;
      successMs: number;
      droppedOut: number;
      valueMinor: number;
    },
  ): void {
    const key = `${workflowId}\u0000${version}`;
    let t = this.byKey.get(key);
    if (!t) {
      t = { workflowId, version, cases: 0, succeeded: 0, successMs: 0, droppedOut: 0, money: [], moneyBy: new Map() };
      this.byKey.set(key, t);
    }
    t.cases += row.cases;
    t.succeeded += row.succeeded;
    t.successMs += row.successMs;
    t.droppedOut += row.droppedOut;
    if (row.currency !== "") t.moneyBy.set(row.currency, (t.moneyBy.get(row.currency) ?? 0) + row.valueMinor);
  }

  list(): ValueTally[] {
    return [...this.byKey.values()]
      .filter((t) => t.cases !== 0)
      .map(({ moneyBy, ...t }) => ({
        ...t,
        money: [...moneyBy]
          .filter(([, minor]) => minor !== 0)
          .map(([currency, minor]) => ({ currency, minor }))
          .sort((a, b) => b.minor - a.minor || a.currency.localeCompare(b.currency)),
      }))
      .sort((a, b) => a.workflowId.localeCompare(b.workflowId) || a.version - b.version);
  }
}

/**
 * The value measures per workflow × version of the cases opened in the period, from `value_rollups`.
 * @example
 * const [v2] = await valueFromRollups(db, { fromDay, toDay, workflowId: "customer-onboarding", version: 2 });
 */
export async function valueFromRollups(db: MetricsDatabase, filter: KpiFilter): Promise<ValueTally[]> {
  const rows = await db.all<{
    workflow_id: string;
    workflow_version: number;
    currency: string;
    cases: number;
    succeeded: number;
    success_ms: number;
    dropped_out: number;
    value_minor: number;
  }>(sql`SELECT workflow_id, workflow_version, currency, sum(cases) AS cases, sum(succeeded) AS succeeded,
    sum(success_ms) AS success_ms, sum(dropped_out) AS dropped_out, sum(value_minor) AS value_minor
    FROM value_rollups WHERE ${whereOf(filter)} GROUP BY workflow_id, workflow_version, currency`);
  const tallies = new ValueTallies();
  for (const r of rows)
    tallies.add(r.workflow_id, Number(r.workflow_version), {
      currency: r.currency,
      cases: Number(r.cases),
      succeeded: Number(r.succeeded),
      successMs: Number(r.success_ms),
      droppedOut: Number(r.dropped_out),
      valueMinor: Number(r.value_minor),
    });
  return tallies.list();
}

/**
 * The same figures recounted from case rows (the triggers' rules: measured when `succeeded` is set).
 * @example
 * const recounted = valueFromCases(rowsFromCaseObjects, { fromDay: 0, toDay: 1_000_000 });
 */
export function valueFromCases(rows: readonly ValueCaseRow[], filter: KpiFilter): ValueTally[] {
  const tallies = new ValueTallies();
  for (const c of rows) {
    if (c.succeeded === undefined || c.succeeded === null) continue;
    const day = dayOf(c.openedAt);
    if (day < filter.fromDay || day > filter.toDay) continue;
    if (filter.workflowId !== undefined && c.workflowId !== filter.workflowId) continue;
    if (filter.version !== undefined && c.workflowVersion !== filter.version) continue;
    tallies.add(c.workflowId, c.workflowVersion, {
      currency: c.valueCurrency ?? "",
      cases: 1,
      succeeded: c.succeeded ? 1 : 0,
      successMs: c.succeeded && c.closedAt !== null ? c.closedAt - c.openedAt : 0,
      droppedOut: c.droppedOut ? 1 : 0,
      valueMinor: c.valueMinor ?? 0,
    });
  }
  return tallies.list();
}
