/**
 * Customer satisfaction per workflow × version: of the cases whose survey went out after their resolution, how many
 * answered with a score 1–5 and the scores' mean, how many replied without a score, how many never replied by the
 * deadline (no reply is counted as no reply, never as a score) and how many replies are still awaited. Read from
 * `satisfaction_rollups` (what the dashboard shows) or recounted from case rows by the same rules as the rollup
 * triggers (migration 0026): what `npm run kpi:verify` and the tests compare them with.
 */
import { and, eq, gte, lt, type SQL, sql } from "drizzle-orm";
import type { MetricsDatabase } from "../client.ts";
import { type CaseSnapshot, dayOf } from "../facts.ts";
import { cases } from "../schema.ts";
import type { KpiFilter } from "./rollups.ts";
import { whereOf } from "./rollups.ts";

const DAY_MS = 86_400_000;

export interface SatisfactionTally {
  workflowId: string;
  version: number;
  /** Surveys sent (cases asked). */
  asked: number;
  /** Replies with a score, and the sum of their scores. */
  answered: number;
  scoreSum: number;
  /** Replies without a readable score. */
  unreadable: number;
  /** No reply by the survey's deadline. */
  unanswered: number;
}

/** A case row's header and survey facts (null or absent: never surveyed, or reported before surveys existed). */
export type SatisfactionCaseRow = Pick<CaseSnapshot, "workflowId" | "workflowVersion" | "openedAt"> & {
  satisfactionAsked?: boolean | null;
  satisfactionReply?: "answered" | "unreadable" | "unanswered" | null;
  satisfactionScore?: number | null;
};

/** What a manager reads: the mean score of the answers, and the share of surveys answered with one. */
export interface SatisfactionFigures {
  asked: number;
  answered: number;
  /** Mean of the scores 1–5, null when no one answered yet (never 0). */
  meanScore: number | null;
  /** Answered ÷ asked, null when nothing was asked. */
  responseRate: number | null;
  unreadable: number;
  unanswered: number;
  /** Asked and still within the reply's deadline. */
  awaiting: number;
}

/**
 * @example satisfactionFiguresOf(tally) // → { asked: 10, answered: 4, meanScore: 4.25, responseRate: 0.4, … }
 */
export function satisfactionFiguresOf(t: SatisfactionTally): SatisfactionFigures {
  return {
    asked: t.asked,
    answered: t.answered,
    meanScore: t.answered === 0 ? null : t.scoreSum / t.answered,
    responseRate: t.asked === 0 ? null : t.answered / t.asked,
    unreadable: t.unreadable,
    unanswered: t.unanswered,
    awaiting: t.asked - t.answered - t.unreadable - t.unanswered,
  };
}

class SatisfactionTallies {
  private readonly byKey = new Map<string, SatisfactionTally>();

  add(workflowId: string, version: number, row: Omit<SatisfactionTally, "workflowId" | "version">): void {
    const key = `${workflowId}\u0000${version}`;
    let t = this.byKey.get(key);
    if (!t) {
      t = { workflowId, version, asked: 0, answered: 0, scoreSum: 0, unreadable: 0, unanswered: 0 };
      this.byKey.set(key, t);
    }
    t.asked += row.asked;
    t.answered += row.answered;
    t.scoreSum += row.scoreSum;
    t.unreadable += row.unreadable;
    t.unanswered += row.unanswered;
  }

  list(): SatisfactionTally[] {
    return [...this.byKey.values()]
      .filter((t) => t.asked !== 0)
      .sort((a, b) => a.workflowId.localeCompare(b.workflowId) || a.version - b.version);
  }
}

/**
 * Satisfaction per workflow × version of the cases opened in the period, from `satisfaction_rollups`.
 * @example
 * const [v4] = await satisfactionFromRollups(db, { fromDay, toDay, workflowId: "customer-onboarding", version: 4 });
 */
export async function satisfactionFromRollups(db: MetricsDatabase, filter: KpiFilter): Promise<SatisfactionTally[]> {
  const rows = await db.all<{
    workflow_id: string;
    workflow_version: number;
    asked: number;
    answered: number;
    score_sum: number;
    unreadable: number;
    unanswered: number;
  }>(sql`SELECT workflow_id, workflow_version, sum(asked) AS asked, sum(answered) AS answered,
    sum(score_sum) AS score_sum, sum(unreadable) AS unreadable, sum(unanswered) AS unanswered
    FROM satisfaction_rollups WHERE ${whereOf(filter)} GROUP BY workflow_id, workflow_version`);
  const tallies = new SatisfactionTallies();
  for (const r of rows)
    tallies.add(r.workflow_id, Number(r.workflow_version), {
      asked: Number(r.asked),
      answered: Number(r.answered),
      scoreSum: Number(r.score_sum),
      unreadable: Number(r.unreadable),
      unanswered: Number(r.unanswered),
    });
  return tallies.list();
}

/**
 * The same figures recounted from case rows (the triggers' rules: counted once `satisfactionAsked` is set).
 * @example
 * const recounted = satisfactionFromCases(rowsFromCaseObjects, { fromDay: 0, toDay: 1_000_000 });
 */
export function satisfactionFromCases(rows: readonly SatisfactionCaseRow[], filter: KpiFilter): SatisfactionTally[] {
  const tallies = new SatisfactionTallies();
  for (const c of rows) {
    if (!c.satisfactionAsked) continue;
    const day = dayOf(c.openedAt);
    if (day < filter.fromDay || day > filter.toDay) continue;
    if (filter.workflowId !== undefined && c.workflowId !== filter.workflowId) continue;
    if (filter.version !== undefined && c.workflowVersion !== filter.version) continue;
    const reply = c.satisfactionReply ?? null;
    tallies.add(c.workflowId, c.workflowVersion, {
      asked: 1,
      answered: reply === "answered" ? 1 : 0,
      scoreSum: c.satisfactionScore ?? 0,
      unreadable: reply === "unreadable" ? 1 : 0,
      unanswered: reply === "unanswered" ? 1 : 0,
    });
  }
  return tallies.list();
}

/**
 * Satisfaction recounted from the cases against its rollups, per workflow × version: each figure a manager reads must
 * be equal, and the rollups may hold no workflow version the cases do not. One line per difference.
 * @example
 * mismatches.push(...satisfactionMismatches(satisfactionFromCases(rows, range), await satisfactionFromRollups(db, range)));
 */
export function satisfactionMismatches(
  recounted: readonly SatisfactionTally[],
  rollups: readonly SatisfactionTally[],
): string[] {
  const key = (t: SatisfactionTally) => `${t.workflowId}@v${t.version}`;
  const dashboard = new Map(rollups.map((t) => [key(t), t]));
  const out: string[] = [];
  for (const t of recounted) {
    const d = dashboard.get(key(t));
    dashboard.delete(key(t));
    const got = d ? (satisfactionFiguresOf(d) as unknown as Record<string, unknown>) : null;
    for (const [name, value] of Object.entries(satisfactionFiguresOf(t))) {
      const a = JSON.stringify(value);
      const b = got ? JSON.stringify(got[name]) : "nothing";
      if (a !== b) out.push(`satisfaction ${key(t)} ${name}: case records say ${a}, dashboard says ${b}`);
    }
  }
  for (const [k, d] of dashboard)
    out.push(`satisfaction ${k}: the dashboard counts ${d.asked} surveys the case records do not have`);
  return out;
}

export interface SatisfactionByPolicy {
  version: number;
  /** `refund-limits@2` (several comma-separated), or null: the case read no policy. */
  policies: string | null;
  figures: SatisfactionFigures;
}

/**
 * Satisfaction split by the policy versions each surveyed case decided under (`cases.policy_versions`) beside the
 * workflow version, from the case rows of the period (one grouped statement), by the triggers' rules.
 * @example const rows = await satisfactionByPolicyVersion(db, { workflowId: "refund-dispute", fromDay, toDay });
 */
export async function satisfactionByPolicyVersion(
  db: MetricsDatabase,
  filter: KpiFilter & { workflowId: string },
): Promise<SatisfactionByPolicy[]> {
  const where: SQL[] = [
    eq(cases.workflowId, filter.workflowId),
    eq(cases.satisfactionAsked, true),
    gte(cases.openedAt, filter.fromDay * DAY_MS),
    lt(cases.openedAt, (filter.toDay + 1) * DAY_MS),
  ];
  if (filter.version !== undefined) where.push(eq(cases.workflowVersion, filter.version));
  const n = (expr: SQL) => sql<number>`coalesce(sum(${expr}), 0)`.mapWith(Number);
  const rows = await db
    .select({
      version: cases.workflowVersion,
      policies: cases.policyVersions,
      asked: sql<number>`count(*)`.mapWith(Number),
      answered: n(sql`${cases.satisfactionReply} = 'answered'`),
      scoreSum: n(sql`coalesce(${cases.satisfactionScore}, 0)`),
      unreadable: n(sql`${cases.satisfactionReply} = 'unreadable'`),
      unanswered: n(sql`${cases.satisfactionReply} = 'unanswered'`),
    })
    .from(cases)
    .where(and(...where))
    .groupBy(cases.workflowVersion, cases.policyVersions);
  return rows
    .map(({ version, policies, ...t }) => ({
      version,
      policies,
      figures: satisfactionFiguresOf({ workflowId: filter.workflowId, version, ...t }),
    }))
    .sort((a, b) => a.version - b.version || (a.policies ?? "").localeCompare(b.policies ?? ""));
}
