/**
 * Tallies from the rollup tables: what the dashboard reads. Three small GROUP BY queries (counts, time-to-resolution
 * histogram, exception mix) over rows per workflow × version × day; their cost grows with days and versions, not
 * with cases or events.
 */
import { type SQL, sql } from "drizzle-orm";
import type { MetricsDatabase } from "../client.ts";
import { COUNT_FIELDS, emptyTally, type Tally } from "./definitions.ts";

export interface KpiFilter {
  /** First and last UTC day number (days since 1970-01-01), inclusive. */
  fromDay: number;
  toDay: number;
  workflowId?: string;
  version?: number;
}

export type GroupKey = "workflow" | "version" | "day";
export const COLUMN: Record<GroupKey, string> = { workflow: "workflow_id", version: "workflow_version", day: "day" };

export interface TallyGroup {
  workflowId?: string;
  version?: number;
  day?: number;
  tally: Tally;
}

/** A tally field's column name (`resolvedAutonomous` → `resolved_autonomous`). */
export const snake = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export function whereOf(
  filter: KpiFilter,
  columns = { workflow: "workflow_id", version: "workflow_version", day: "day" },
): SQL {
  const parts = [sql`${sql.raw(columns.day)} BETWEEN ${filter.fromDay} AND ${filter.toDay}`];
  if (filter.workflowId !== undefined) parts.push(sql`${sql.raw(columns.workflow)} = ${filter.workflowId}`);
  if (filter.version !== undefined) parts.push(sql`${sql.raw(columns.version)} = ${filter.version}`);
  return sql.join(parts, sql` AND `);
}

/** Groups rows by the requested keys and folds each row into its group's tally. */
export class TallyGroups {
  private readonly groups = new Map<string, TallyGroup>();
  constructor(private readonly by: readonly GroupKey[]) {}

  of(row: Record<string, unknown>): Tally {
    const key = this.by.map((k) => String(row[COLUMN[k]])).join("|");
    let group = this.groups.get(key);
    if (!group) {
      group = { tally: emptyTally() };
      if (this.by.includes("workflow")) group.workflowId = String(row.workflow_id);
      if (this.by.includes("version")) group.version = Number(row.workflow_version);
      if (this.by.includes("day")) group.day = Number(row.day);
      this.groups.set(key, group);
    }
    return group.tally;
  }

  list(): TallyGroup[] {
    return [...this.groups.values()];
  }
}

/** What a tally holds beyond its counts; leave out what a view does not show (sparklines need counts only). */
export interface TallyParts {
  ttr?: boolean;
  exceptions?: boolean;
}

/** Monday-based week number of a UTC day number (day 4, 1970-01-05, was the first Monday). */
const weekOf = (day: number) => Math.floor((day + 3) / 7);
const weekStart = (week: number) => week * 7 - 3;

/**
 * The time-to-resolution rows for a filter: the weekly histogram for the whole weeks inside the period plus the daily
 * one for the days at its edges, when the grouping allows it (not per version or per day); else the daily one alone.
 */
function ttrSource(filter: KpiFilter, by: readonly GroupKey[]): SQL {
  const workflow = filter.workflowId !== undefined ? sql` AND workflow_id = ${filter.workflowId}` : sql``;
  const daily = (from: number, to: number) =>
    sql`SELECT workflow_id, workflow_version, day, bucket_minutes, cases FROM ttr_rollups WHERE day BETWEEN ${from} AND ${to}${workflow}${filter.version !== undefined ? sql` AND workflow_version = ${filter.version}` : sql``}`;
  const firstWeek =
    weekStart(weekOf(filter.fromDay)) === filter.fromDay ? weekOf(filter.fromDay) : weekOf(filter.fromDay) + 1;
  const lastWeek =
    weekStart(weekOf(filter.toDay)) + 6 === filter.toDay ? weekOf(filter.toDay) : weekOf(filter.toDay) - 1;
  if (filter.version !== undefined || by.includes("version") || by.includes("day") || firstWeek > lastWeek)
    return daily(filter.fromDay, filter.toDay);
  return sql`SELECT workflow_id, NULL AS workflow_version, NULL AS day, bucket_minutes, cases FROM ttr_weekly WHERE week BETWEEN ${firstWeek} AND ${lastWeek}${workflow}
    UNION ALL ${daily(filter.fromDay, weekStart(firstWeek) - 1)}
    UNION ALL ${daily(weekStart(lastWeek + 1), filter.toDay)}`;
}

/**
 * @example
 * const perWorkflow = await tallyFromRollups(db, { fromDay: 20400, toDay: 20429 }, ["workflow"]);
 */
export async function tallyFromRollups(
  db: MetricsDatabase,
  filter: KpiFilter,
  by: readonly GroupKey[] = [],
  parts: TallyParts = { ttr: true, exceptions: true },
): Promise<TallyGroup[]> {
  const keys = by.map((k) => COLUMN[k]);
  const select = keys.length ? sql.raw(`${keys.join(", ")}, `) : sql.raw("");
  const groupBy = keys.length ? sql.raw(` GROUP BY ${keys.join(", ")}`) : sql.raw("");
  const inner = (column: string) => sql.raw(` GROUP BY ${[...keys, column].join(", ")}`);
  const where = whereOf(filter);
  const sums = sql.raw(COUNT_FIELDS.map((f) => `sum(${snake(f)}) AS ${snake(f)}`).join(", "));
  const packed = sql.raw(`json_array(${[...keys, ...COUNT_FIELDS.map(snake)].join(", ")})`);
  // Every statement answers with one JSON value: thousands of small typed values cost far more to ship over HTTP and
  // decode than one string, and the histograms travel as one object per group (bucket → cases).
  const none = Promise.resolve([] as Record<string, unknown>[]);
  const [[counts], ttr, exceptions] = await Promise.all([
    db.all<{ rows: string | null }>(
      sql`SELECT json_group_array(${packed}) AS rows FROM (SELECT ${select}${sums} FROM daily_rollups WHERE ${where}${groupBy})`,
    ),
    parts.ttr
      ? db.all<Record<string, unknown>>(
          sql`SELECT ${select}json_group_object(bucket_minutes, cases) AS histogram FROM (SELECT ${select}bucket_minutes, sum(cases) AS cases FROM (${ttrSource(filter, by)})${inner("bucket_minutes")}) WHERE cases > 0${groupBy}`,
        )
      : none,
    parts.exceptions
      ? db.all<Record<string, unknown>>(
          sql`SELECT ${select}json_group_object(exception, json_array(cases, human_minutes)) AS mix FROM (SELECT ${select}exception, sum(cases) AS cases, sum(human_minutes) AS human_minutes FROM exception_rollups WHERE ${where}${inner("exception")}) WHERE cases > 0${groupBy}`,
        )
      : none,
  ]);
  const groups = new TallyGroups(by);
  for (const values of JSON.parse(counts?.rows ?? "[]") as (string | number | null)[][]) {
    if (values[keys.length] === null) continue; // no rollup rows matched
    const row = Object.fromEntries(keys.map((k, i) => [k, values[i]]));
    const tally = groups.of(row);
    COUNT_FIELDS.forEach((field, i) => {
      tally[field] += Number(values[keys.length + i] ?? 0);
    });
  }
  for (const row of ttr) {
    const tally = groups.of(row);
    for (const [bucket, n] of Object.entries(JSON.parse(String(row.histogram)) as Record<string, number>))
      tally.ttr.set(Number(bucket), n);
  }
  for (const row of exceptions) {
    const tally = groups.of(row);
    for (const [type, [n, minutes]] of Object.entries(JSON.parse(String(row.mix)) as Record<string, [number, number]>))
      tally.exceptions.set(type, { cases: n, humanMinutes: minutes });
  }
  return groups.list();
}
