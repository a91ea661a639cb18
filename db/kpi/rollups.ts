/**
 * Tallies from the rollup tables: what the dashboard reads. Three small GROUP BY queries (counts, time-to-resolution
 * histogram, exception mix) over rows per workflow × version × day; their cost grows with days and versions, not
 * with cases or events.
 */
import { sql, type SQL } from "drizzle-orm";
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
const COLUMN: Record<GroupKey, string> = { workflow: "workflow_id", version: "workflow_version", day: "day" };

export interface TallyGroup {
  workflowId?: string;
  version?: number;
  day?: number;
  tally: Tally;
}

const snake = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export function whereOf(filter: KpiFilter, columns = { workflow: "workflow_id", version: "workflow_version", day: "day" }): SQL {
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

/**
 * @example
 * const perWorkflow = await tallyFromRollups(db, { fromDay: 20400, toDay: 20429 }, ["workflow"]);
 */
export async function tallyFromRollups(db: MetricsDatabase, filter: KpiFilter, by: readonly GroupKey[] = []): Promise<TallyGroup[]> {
  const keys = by.map((k) => COLUMN[k]);
  const select = keys.length ? sql.raw(`${keys.join(", ")}, `) : sql.raw("");
  const groupBy = keys.length ? sql.raw(` GROUP BY ${keys.join(", ")}`) : sql.raw("");
  const where = whereOf(filter);
  const sums = sql.raw(COUNT_FIELDS.map((f) => `sum(${snake(f)}) AS ${snake(f)}`).join(", "));
  const [counts, ttr, exceptions] = await Promise.all([
    db.all<Record<string, unknown>>(sql`SELECT ${select}${sums} FROM daily_rollups WHERE ${where}${groupBy}`),
    db.all<Record<string, unknown>>(sql`SELECT ${select}bucket_minutes, sum(cases) AS cases FROM ttr_rollups WHERE ${where}${groupBy}${sql.raw(keys.length ? ", bucket_minutes" : " GROUP BY bucket_minutes")}`),
    db.all<Record<string, unknown>>(sql`SELECT ${select}exception, sum(cases) AS cases, sum(human_minutes) AS human_minutes FROM exception_rollups WHERE ${where}${groupBy}${sql.raw(keys.length ? ", exception" : " GROUP BY exception")}`),
  ]);
  const groups = new TallyGroups(by);
  for (const row of counts) {
    if (row.opened === null) continue; // no rollup rows matched
    const tally = groups.of(row);
    for (const field of COUNT_FIELDS) tally[field] += Number(row[snake(field)] ?? 0);
  }
  for (const row of ttr) {
    const n = Number(row.cases);
    if (n > 0) groups.of(row).ttr.set(Number(row.bucket_minutes), n);
  }
  for (const row of exceptions) {
    const n = Number(row.cases);
    if (n > 0) groups.of(row).exceptions.set(String(row.exception), { cases: n, humanMinutes: Number(row.human_minutes) });
  }
  return groups.list();
}
