/**
 * The autonomy evidence in the metrics database (`action_outcomes`): what happened to an action's proposals and lone
 * actions per level, the KPIs of the cases it was taken in (the level as a KPI dimension), the evidence a judgment
 * rests on, and reversals recorded after the fact. Rows are written by the metrics writer (workers/metrics/sink.ts).
 */
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { MetricsDatabase } from "../client.ts";
import { actionOutcomes, cases } from "../schema.ts";
import {
  type AutonomyOutcome,
  type AutonomyState,
  type CurrentEvidence,
  EMPTY_TALLY,
  type LevelTally,
} from "./autonomy.ts";

/** What happened to an action's proposals and lone actions, per level (`since`: only outcomes after then). */
export async function readTallies(
  db: MetricsDatabase,
  workflowId: string,
  action: string,
  since: number | null = null,
): Promise<Map<number, LevelTally>> {
  const rows = await db
    .select({
      level: actionOutcomes.level,
      outcome: actionOutcomes.outcome,
      count: sql<number>`count(*)`,
      errored: sql<number>`sum(coalesce(${cases.errored}, 0))`,
      lastAt: sql<number>`max(${actionOutcomes.at})`,
    })
    .from(actionOutcomes)
    .leftJoin(cases, eq(cases.caseId, actionOutcomes.caseId))
    .where(
      and(
        eq(actionOutcomes.workflowId, workflowId),
        eq(actionOutcomes.action, action),
        since === null ? undefined : sql`${actionOutcomes.at} > ${since}`,
      ),
    )
    .groupBy(actionOutcomes.level, actionOutcomes.outcome);
  const tallies = new Map<number, LevelTally>();
  for (const r of rows) {
    const t = tallies.get(r.level) ?? { ...EMPTY_TALLY };
    const outcome = r.outcome as AutonomyOutcome;
    const n = Number(r.count);
    // A reversal is a row of its own beside the action's: the action still counts as taken, the reversal against it.
    if (outcome === "reversed") t.reversed += n;
    if (outcome === "approved" || outcome === "changed" || outcome === "rejected") t[outcome] += n;
    if (outcome === "alone") {
      t.alone += n;
      t.aloneErrored += Number(r.errored ?? 0);
    }
    if (outcome === "rejected" || outcome === "reversed")
      t.lastRejectionAt = Math.max(t.lastRejectionAt ?? 0, Number(r.lastAt));
    tallies.set(r.level, t);
  }
  return tallies;
}

/** The KPIs of the cases an action was proposed or taken in, per level in force: the level as a KPI dimension. */
export interface LevelKpis {
  cases: number;
  resolved: number;
  /** Resolved with no person's touch. */
  autonomous: number;
  escalated: number;
  errored: number;
}

/**
 * Per level, the cases where the agent proposed or took the action at that level, and how they ended (from the case
 * rows the writer keeps current). A case counts once per level it saw.
 * @example (await readLevelKpis(db, "refund-dispute", "refund")).get(1) // → { cases: 120, autonomous: 96, … }
 */
export async function readLevelKpis(
  db: MetricsDatabase,
  workflowId: string,
  action: string,
): Promise<Map<number, LevelKpis>> {
  const perCase = db
    .selectDistinct({ caseId: actionOutcomes.caseId, level: actionOutcomes.level })
    .from(actionOutcomes)
    .where(and(eq(actionOutcomes.workflowId, workflowId), eq(actionOutcomes.action, action)))
    .as("per_case");
  const rows = await db
    .select({
      level: perCase.level,
      cases: sql<number>`count(*)`,
      resolved: sql<number>`sum(${cases.status} = 'resolved')`,
      autonomous: sql<number>`sum(${cases.status} = 'resolved' AND ${cases.humanTouch} = 0)`,
      escalated: sql<number>`sum(${cases.escalated})`,
      errored: sql<number>`sum(${cases.errored})`,
    })
    .from(perCase)
    .innerJoin(cases, eq(cases.caseId, perCase.caseId))
    .groupBy(perCase.level);
  return new Map(
    rows.map((r) => [
      r.level,
      {
        cases: Number(r.cases),
        resolved: Number(r.resolved ?? 0),
        autonomous: Number(r.autonomous ?? 0),
        escalated: Number(r.escalated ?? 0),
        errored: Number(r.errored ?? 0),
      },
    ]),
  );
}

/** The evidence at the level in force since it took effect: what `judgeAutonomy` judges. */
export async function readCurrentEvidence(
  db: MetricsDatabase,
  workflowId: string,
  action: string,
  state: AutonomyState,
  recent: number,
): Promise<CurrentEvidence> {
  // Strictly after the change: the outcome that caused a demotion (a reversal is stamped with the change's own
  // time) must not count again against the level it produced.
  const since = state.since ?? -1;
  const mine = and(
    eq(actionOutcomes.workflowId, workflowId),
    eq(actionOutcomes.action, action),
    sql`${actionOutcomes.at} > ${since}`,
  );
  const [tallies, last, [refusal]] = await Promise.all([
    readTallies(db, workflowId, action, state.since ?? -1),
    db
      .select({ outcome: actionOutcomes.outcome })
      .from(actionOutcomes)
      .where(
        and(
          mine,
          eq(actionOutcomes.level, state.level),
          inArray(actionOutcomes.outcome, ["approved", "changed", "rejected", "reversed"]),
        ),
      )
      .orderBy(desc(actionOutcomes.at))
      .limit(recent),
    db
      .select({ outcome: actionOutcomes.outcome, caseId: actionOutcomes.caseId, step: actionOutcomes.stepId })
      .from(actionOutcomes)
      .where(
        and(
          mine,
          sql`${actionOutcomes.level} >= ${state.level}`,
          inArray(actionOutcomes.outcome, ["rejected", "reversed"]),
        ),
      )
      .orderBy(desc(actionOutcomes.at))
      .limit(1),
  ]);
  return {
    tally: tallies.get(state.level) ?? { ...EMPTY_TALLY },
    recentProposals: last.map((r) => r.outcome as AutonomyOutcome),
    refusal: refusal ? { ...refusal, outcome: refusal.outcome as "rejected" | "reversed" } : null,
  };
}

/**
 * Records an action the agent took as undone after the fact: a `reversed` row beside the action's own (step
 * `<step>#reversal`, at the level it was taken at), so the action still counts as taken and the reversal counts
 * against its level. Null when no such action was recorded; `recorded: false` when it was reversed already or never
 * ran (a rejected proposal).
 * @example await recordReversal(db, { workflowId: "refund-dispute", action: "refund", caseId, step: "triage:refund:c1", now })
 */
export async function recordReversal(
  db: MetricsDatabase,
  r: { workflowId: string; action: string; caseId: string; step: string; now: number },
): Promise<{ level: number; outcomeBefore: string; recorded: boolean } | null> {
  const [row] = await db
    .select()
    .from(actionOutcomes)
    .where(
      and(
        eq(actionOutcomes.workflowId, r.workflowId),
        eq(actionOutcomes.action, r.action),
        eq(actionOutcomes.caseId, r.caseId),
        eq(actionOutcomes.stepId, r.step),
      ),
    );
  if (!row || row.outcome === "reversed") return null;
  if (row.outcome === "rejected") return { level: row.level, outcomeBefore: row.outcome, recorded: false };
  const inserted = await db
    .insert(actionOutcomes)
    .values({ ...row, stepId: `${r.step}${REVERSAL_SUFFIX}`, outcome: "reversed", at: r.now })
    .onConflictDoNothing();
  return { level: row.level, outcomeBefore: row.outcome, recorded: inserted.rowsAffected === 1 };
}

/** The step id of a reversal's row: the action's own step with this suffix. */
export const REVERSAL_SUFFIX = "#reversal";
