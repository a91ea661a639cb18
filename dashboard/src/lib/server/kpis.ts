/**
 * What the overview and workflow pages show, read from the rollups through the one KPI module (db/kpi). Periods
 * are whole UTC days; a page's period comes from its URL (`days`, `to`, `from`, `version`).
 */
import { sql } from "drizzle-orm";
// Relative paths, not the `$db`/`$workers` aliases: the metrics benchmark (bench/metrics.bench.ts) loads this module
// outside Vite too.
import type { MetricsDatabase } from "../../../../db/client.ts";
import type { ValueMeasures } from "../../../../db/facts.ts";
import {
  type ConversationFigures,
  conversationFiguresOf,
  conversationFromRollups,
  emptyTally,
  type KpiFilter,
  type Kpis,
  kpisOf,
  type Tally,
  tallyByPolicyVersion,
  tallyFromRollups,
  type ValueFigures,
  type VersionComparison,
  valueFiguresOf,
  valueFromRollups,
  versionComparisons,
} from "../../../../db/kpi/index.ts";
import { CATALOGUE, exceptionWords } from "../../../../workers/workflows/catalogue.ts";
import { hourlySeries } from "./hourly.ts";
import { DAY_MS, type DayPoint, dayPoint } from "./series.ts";

export { DAY_MS, type DayPoint };

export const PERIODS = [7, 30, 90] as const;

export interface Period {
  fromDay: number;
  toDay: number;
  days: number;
}

const dayOfIso = (iso: string | null): number | null => {
  if (!iso || !/^\d{4}-\d{2}-\d{2}$/.test(iso)) return null;
  const ms = Date.parse(`${iso}T00:00:00Z`);
  return Number.isFinite(ms) ? Math.floor(ms / DAY_MS) : null;
};

/** The period a URL asks for: `from`/`to` (ISO dates), or the last `days` (7, 30, 90; default 30) up to `to` or today. */
export function periodOf(url: URL, now = Date.now()): Period {
  const to = dayOfIso(url.searchParams.get("to")) ?? Math.floor(now / DAY_MS);
  const from = dayOfIso(url.searchParams.get("from"));
  if (from !== null && from <= to && to - from < 366) return { fromDay: from, toDay: to, days: to - from + 1 };
  const asked = Number(url.searchParams.get("days"));
  const days = (PERIODS as readonly number[]).includes(asked) ? asked : 30;
  return { fromDay: to - days + 1, toDay: to, days };
}

/** The same length immediately before, for period-over-period change. */
export const previousOf = (p: Period): Period => ({ fromDay: p.fromDay - p.days, toDay: p.fromDay - 1, days: p.days });

/** Every day of the period, days without cases included (as zeros), so charts keep their time axis. */
function series(period: Period, byDay: Map<number, Tally>, withPerson: Map<number, number>): DayPoint[] {
  const out: DayPoint[] = [];
  for (let d = period.fromDay; d <= period.toDay; d++)
    out.push(dayPoint(d, byDay.get(d) ?? emptyTally(), withPerson.get(d) ?? 0));
  return out;
}

/**
 * Cases waiting on a person right now (an escalation or a pending approval: the inbox's `awaiting_person` mark),
 * per workflow and opened day, of the cases opened in the filter's days. The rollups count escalations only
 * (`awaiting_human`), so "with a person" is read from the case rows (few: the partial index holds only these).
 */
export async function waitingOnPerson(
  db: MetricsDatabase,
  filter: KpiFilter,
): Promise<Map<string, Map<number, number>>> {
  // The divisor is written into the statement: bound, the client sends a number as a float and the division
  // would not be an integer one.
  const rows = await db.all<{ workflow_id: string; day: number; n: number }>(
    sql`SELECT workflow_id, opened_at / ${sql.raw(String(DAY_MS))} AS day, count(*) AS n FROM cases
        WHERE awaiting_person = 1 AND opened_at >= ${filter.fromDay * DAY_MS} AND opened_at < ${(filter.toDay + 1) * DAY_MS}
        ${filter.workflowId !== undefined ? sql`AND workflow_id = ${filter.workflowId}` : sql``}
        ${filter.version !== undefined ? sql`AND workflow_version = ${filter.version}` : sql``}
        GROUP BY workflow_id, day`,
  );
  const out = new Map<string, Map<number, number>>();
  for (const r of rows) {
    const perDay = out.get(r.workflow_id) ?? new Map<number, number>();
    perDay.set(Number(r.day), Number(r.n));
    out.set(r.workflow_id, perDay);
  }
  return out;
}

/** How long the period's cases that have not ended have been open, at `now`: the other half of time to resolution. */
export interface OpenAges {
  open: number;
  medianMinutes: number | null;
  oldestMinutes: number | null;
}

/**
 * The ages of the cases opened in the filter's days that are neither resolved nor failed (the KPIs' "in progress"):
 * time to resolution counts only resolved cases, so beside it this says how long the rest have waited so far.
 * @example const ages = await openCaseAges(db, { fromDay, toDay, workflowId: "refund-dispute" });
 */
export async function openCaseAges(db: MetricsDatabase, filter: KpiFilter, now = Date.now()): Promise<OpenAges> {
  const where = sql`status NOT IN ('resolved', 'failed') AND opened_at >= ${filter.fromDay * DAY_MS} AND opened_at < ${(filter.toDay + 1) * DAY_MS}
    ${filter.workflowId !== undefined ? sql`AND workflow_id = ${filter.workflowId}` : sql``}
    ${filter.version !== undefined ? sql`AND workflow_version = ${filter.version}` : sql``}`;
  const [summary] = await db.all<{ n: number; oldest: number | null }>(
    sql`SELECT count(*) AS n, min(opened_at) AS oldest FROM cases WHERE ${where}`,
  );
  const open = Number(summary?.n ?? 0);
  if (open === 0) return { open, medianMinutes: null, oldestMinutes: null };
  // Nearest rank, as the KPIs' percentiles: the ⌈n/2⌉-th youngest age is the ⌈n/2⌉-th latest opening.
  const [middle] = await db.all<{ at: number }>(
    sql`SELECT opened_at AS at FROM cases WHERE ${where} ORDER BY opened_at DESC LIMIT 1 OFFSET ${Math.ceil(open / 2) - 1}`,
  );
  const minutes = (at: number) => Math.max(0, Math.floor((now - Number(at)) / 60_000));
  return {
    open,
    medianMinutes: middle ? minutes(middle.at) : null,
    oldestMinutes: summary?.oldest === null || summary?.oldest === undefined ? null : minutes(summary.oldest),
  };
}

const total = (perDay: Map<number, number> | undefined) =>
  [...(perDay ?? new Map()).values()].reduce((a, b) => a + b, 0);

/** A card's sparklines: one value per day of the period (null: no cases that day). */
export interface CardSeries {
  opened: number[];
  autonomousRate: (number | null)[];
  escalationRate: (number | null)[];
  errorRate: (number | null)[];
  hoursSaved: number[];
}

export interface WorkflowCard {
  workflowId: string;
  kpis: Kpis;
  /** Of the period's cases, those waiting on a person now (escalations and pending approvals). */
  withPerson: number;
  /** How long the oldest of the period's cases that have not ended has been open, in minutes (null: none open). */
  oldestOpenMinutes: number | null;
  previous: Kpis;
  series: CardSeries;
  versions: number[];
  agentModel: string | null;
}

/** Only the arrays the cards draw: fifty workflows' full day points would weigh down every refresh. */
function cardSeries(points: DayPoint[]): CardSeries {
  return {
    opened: points.map((p) => p.opened),
    autonomousRate: points.map((p) => p.autonomousRate),
    escalationRate: points.map((p) => p.escalationRate),
    errorRate: points.map((p) => p.errorRate),
    hoursSaved: points.map((p) => p.hoursSaved),
  };
}

async function latestModels(db: MetricsDatabase): Promise<Map<string, string>> {
  const rows = await db.all<{ workflow_id: string; model: string; at: number }>(
    sql`SELECT workflow_id, model, max(last_seen_at) AS at FROM agent_models GROUP BY workflow_id`,
  );
  return new Map(rows.map((r) => [r.workflow_id, r.model]));
}

/**
 * @example
 * const cards = await overview(metricsDb(), periodOf(url));
 */
export async function overview(db: MetricsDatabase, period: Period): Promise<WorkflowCard[]> {
  const prev = previousOf(period);
  const now = Date.now();
  const [current, before, daily, versions, models, waiting, oldest] = await Promise.all([
    // The cards show no exception mix: counts and the time-to-resolution histogram are all they need.
    tallyFromRollups(db, period, ["workflow"], { ttr: true }),
    tallyFromRollups(db, prev, ["workflow"], { ttr: true }),
    tallyFromRollups(db, period, ["workflow", "day"], {}),
    db.all<{ workflow_id: string; workflow_version: number }>(
      sql`SELECT DISTINCT workflow_id, workflow_version FROM daily_rollups WHERE day BETWEEN ${period.fromDay} AND ${period.toDay} AND opened > 0`,
    ),
    latestModels(db),
    waitingOnPerson(db, period),
    db.all<{ workflow_id: string; oldest: number }>(
      sql`SELECT workflow_id, min(opened_at) AS oldest FROM cases WHERE status NOT IN ('resolved', 'failed')
          AND opened_at >= ${period.fromDay * DAY_MS} AND opened_at < ${(period.toDay + 1) * DAY_MS} GROUP BY workflow_id`,
    ),
  ]);
  const oldestOpen = new Map(
    oldest.map((r) => [r.workflow_id, Math.max(0, Math.floor((now - Number(r.oldest)) / 60_000))]),
  );
  const previous = new Map(before.map((g) => [g.workflowId!, g.tally]));
  const days = new Map<string, Map<number, Tally>>();
  for (const g of daily) {
    const perDay = days.get(g.workflowId!) ?? new Map<number, Tally>();
    perDay.set(g.day!, g.tally);
    days.set(g.workflowId!, perDay);
  }
  return current
    .filter((g) => g.tally.opened > 0)
    .map((g) => ({
      workflowId: g.workflowId!,
      kpis: kpisOf(g.tally),
      withPerson: total(waiting.get(g.workflowId!)),
      oldestOpenMinutes: oldestOpen.get(g.workflowId!) ?? null,
      previous: kpisOf(previous.get(g.workflowId!) ?? emptyTally()),
      series: cardSeries(series(period, days.get(g.workflowId!) ?? new Map(), new Map())),
      versions: versions
        .filter((v) => v.workflow_id === g.workflowId)
        .map((v) => Number(v.workflow_version))
        .sort((a, b) => a - b),
      agentModel: models.get(g.workflowId!) ?? null,
    }))
    .sort((a, b) => a.workflowId.localeCompare(b.workflowId));
}

export type { VersionComparison };
export { versionComparisons };

export interface WorkflowDetail {
  workflowId: string;
  kpis: Kpis;
  /** Of the period's cases, those waiting on a person now (escalations and pending approvals). */
  withPerson: number;
  openAges: OpenAges;
  /** Per day; per hour (from the case rows, exact) when the period is two days or less. */
  series: DayPoint[];
  bucket: "day" | "hour";
  /** The series' first day: the period's, or the first day with cases when every case opened in its last two days. */
  seriesFromDay: number;
  byVersion: { version: number; kpis: Kpis }[];
  /** The same KPIs per workflow version and the policy versions its cases decided under (null: none read). */
  byPolicy: { version: number; policies: string | null; kpis: Kpis }[];
  /**
   * The workflow's business result (its catalogue's value measures, newest version's words) per version of the
   * period's cases, from `value_rollups`; null when the workflow declares none.
   */
  value: { measures: ValueMeasures; byVersion: { version: number; figures: ValueFigures }[] } | null;
  /**
   * What became of the questions customers wrote while their case waited, per version of the period's cases, from
   * `conversation_rollups`; empty when no customer asked anything.
   */
  conversation: { version: number; figures: ConversationFigures }[];
  /** What the workflow calls each exception type of the period (its catalogue's words; absent: none declared). */
  exceptionWords: Record<string, string>;
  /** The versions compared with intervals and verdicts (db/kpi/compare.ts), newest candidate last. */
  comparisons: VersionComparison[];
  /** Every version with data in the period, whatever the version filter (for the filter's choices). */
  versions: number[];
  ttr: { bucketMinutes: number; cases: number }[];
  minutesPerCase: number | null;
  systems: readonly string[];
  agentModel: string | null;
}

/**
 * @example
 * const detail = await workflowDetail(metricsDb(), "customer-onboarding", periodOf(url), 2);
 */
export async function workflowDetail(
  db: MetricsDatabase,
  workflowId: string,
  period: Period,
  version: number | undefined,
): Promise<WorkflowDetail | null> {
  const filter: KpiFilter = { ...period, workflowId, version };
  const [[all], daily, byVersion, models, waiting, openAges, byPolicy, value, conversation] = await Promise.all([
    tallyFromRollups(db, filter),
    tallyFromRollups(db, filter, ["day"], {}),
    tallyFromRollups(db, { ...period, workflowId }, ["version"]),
    latestModels(db),
    waitingOnPerson(db, filter),
    openCaseAges(db, filter),
    tallyByPolicyVersion(db, { ...filter, workflowId }),
    valueFromRollups(db, filter),
    conversationFromRollups(db, filter),
  ]);
  // Two days or less of cases would draw as a spike at the edge of a flat month: those days are drawn per hour instead
  // (the period's figures stay the period's).
  const firstDay = Math.min(...daily.filter((g) => g.tally.opened > 0).map((g) => g.day!));
  const seriesFromDay = period.days <= 2 ? period.fromDay : Math.max(period.fromDay, period.toDay - 1);
  const hours =
    period.days <= 2 || firstDay >= period.toDay - 1
      ? await hourlySeries(db, { ...filter, fromDay: seriesFromDay })
      : null;
  const known = CATALOGUE.filter((w) => w.id === workflowId);
  if (!all && byVersion.length === 0 && known.length === 0) return null;
  const tally = all?.tally ?? emptyTally();
  const withPerson = waiting.get(workflowId) ?? new Map<number, number>();
  const latest = known.at(-1);
  return {
    workflowId,
    kpis: kpisOf(tally),
    withPerson: total(withPerson),
    openAges,
    series: hours ?? series(period, new Map(daily.map((g) => [g.day!, g.tally])), withPerson),
    bucket: hours ? "hour" : "day",
    seriesFromDay: hours ? seriesFromDay : period.fromDay,
    byVersion: byVersion
      .map((g) => ({ version: g.version!, kpis: kpisOf(g.tally) }))
      .sort((a, b) => a.version - b.version),
    byPolicy: byPolicy.map((g) => ({ version: g.workflowVersion, policies: g.policyVersions, kpis: kpisOf(g.tally) })),
    value: latest?.value
      ? { measures: latest.value, byVersion: value.map((t) => ({ version: t.version, figures: valueFiguresOf(t) })) }
      : null,
    conversation: conversation.map((t) => ({ version: t.version, figures: conversationFiguresOf(t) })),
    exceptionWords: Object.fromEntries(
      [...tally.exceptions.keys()].flatMap((type) => {
        const words = exceptionWords(workflowId, type);
        return words === null ? [] : [[type, words]];
      }),
    ),
    comparisons: versionComparisons(byVersion.map((g) => ({ version: g.version!, tally: g.tally }))),
    versions: byVersion.map((g) => g.version!).sort((a, b) => a - b),
    ttr: [...tally.ttr]
      .map(([bucketMinutes, cases]) => ({ bucketMinutes, cases }))
      .sort((a, b) => a.bucketMinutes - b.bucketMinutes),
    minutesPerCase: (version !== undefined ? known.find((w) => w.version === version) : latest)?.minutesPerCase ?? null,
    systems: latest?.systems ?? [],
    agentModel: models.get(workflowId) ?? null,
  };
}
