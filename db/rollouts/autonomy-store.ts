/**
 * Progressive autonomy in the metrics database: the level in force per workflow action (`autonomy_levels`), its
 * hash-chained history (`autonomy_changes`), and the evidence (`action_outcomes`). A change moves the level row only
 * from the revision the writer read, and its log entry is written in the same batch or not at all (as store.ts does
 * for rollout policies).
 */
import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import type { MetricsDatabase } from "../client.ts";
import { actionOutcomes, autonomyChanges, autonomyLevels, cases } from "../schema.ts";
import {
  type AutonomyOutcome,
  type AutonomyRule,
  type AutonomyState,
  type AutonomyVerdict,
  type CurrentEvidence,
  EMPTY_TALLY,
  judgeAutonomy,
  type LevelTally,
} from "./autonomy.ts";
import { chainHash, GENESIS_HASH, verifyChain } from "./chain.ts";

/** `reversed`: an action undone after the fact that did not demote (the level stays; a pending proposal is withdrawn). */
export type AutonomyChangeKind = "proposed" | "promoted" | "demoted" | "reversed";

/** A change that cannot be made as asked: safe to show the person. */
export class AutonomyError extends Error {
  override name = "AutonomyError";
  constructor(
    readonly code: "not_proposed" | "bottom_rung" | "stale_revision" | "action_not_found",
    message: string,
  ) {
    super(message);
  }
}

export interface StoredAutonomy extends AutonomyState {
  revision: number;
}

export interface AutonomyChangeRow {
  id: number;
  workflowId: string;
  action: string;
  at: number;
  actor: string;
  kind: AutonomyChangeKind;
  fromLevel: number;
  toLevel: number;
  reason: string;
  evidence: unknown;
  prevHash: string;
  hash: string;
}

const subject = (workflowId: string, action: string) =>
  and(eq(autonomyChanges.workflowId, workflowId), eq(autonomyChanges.action, action));

/** Every level ever set (the reader's cache holds them): `workflow`, `action`, `level`. */
export async function readAutonomyLevels(db: MetricsDatabase) {
  return db
    .select({ workflowId: autonomyLevels.workflowId, action: autonomyLevels.action, level: autonomyLevels.level })
    .from(autonomyLevels);
}

/** An action's level in force (its declared `start` while never changed) and since when. */
export async function readAutonomy(
  db: MetricsDatabase,
  workflowId: string,
  action: string,
  start: number,
): Promise<StoredAutonomy> {
  const [[row], [moved]] = await Promise.all([
    db
      .select()
      .from(autonomyLevels)
      .where(and(eq(autonomyLevels.workflowId, workflowId), eq(autonomyLevels.action, action))),
    db
      .select({ at: sql<number | null>`max(${autonomyChanges.at})` })
      .from(autonomyChanges)
      .where(and(subject(workflowId, action), inArray(autonomyChanges.kind, ["promoted", "demoted"]))),
  ]);
  if (!row) return { level: start, proposedLevel: null, since: null, revision: 0 };
  return { level: row.level, proposedLevel: row.proposedLevel, since: moved?.at ?? null, revision: row.revision };
}

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

export async function readAutonomyChanges(
  db: MetricsDatabase,
  workflowId: string,
  action: string,
  limit = 50,
): Promise<AutonomyChangeRow[]> {
  const rows = await db
    .select()
    .from(autonomyChanges)
    .where(subject(workflowId, action))
    .orderBy(desc(autonomyChanges.id))
    .limit(limit);
  return rows.map((r) => ({ ...r, kind: r.kind as AutonomyChangeKind }));
}

const hashedPart = (c: Omit<AutonomyChangeRow, "id" | "prevHash" | "hash">) => ({
  workflowId: c.workflowId,
  action: c.action,
  at: c.at,
  actor: c.actor,
  kind: c.kind,
  fromLevel: c.fromLevel,
  toLevel: c.toLevel,
  reason: c.reason,
  evidence: c.evidence ?? null,
});

/** Whether an action's change log is whole: null, or the first entry that was edited or removed. */
export async function verifyAutonomyChanges(db: MetricsDatabase, workflowId: string, action: string) {
  const rows = await db
    .select()
    .from(autonomyChanges)
    .where(subject(workflowId, action))
    .orderBy(asc(autonomyChanges.id));
  return verifyChain(rows, (r) => hashedPart({ ...r, kind: r.kind as AutonomyChangeKind }));
}

export interface AutonomyChangeInput {
  workflowId: string;
  action: string;
  /** What the writer read (`readAutonomy`): the change applies only if nobody moved it meanwhile. */
  from: StoredAutonomy;
  kind: AutonomyChangeKind;
  /** The level after the change (a proposal leaves it as it is). */
  toLevel: number;
  actor: string;
  reason: string;
  evidence?: unknown;
  now: number;
}

/**
 * Writes a level change (or proposal) and its chained log entry atomically.
 * @example await changeAutonomy(db, { workflowId: "refund-dispute", action: "refund", from, kind: "promoted", toLevel: 2, actor: "person:ana", reason: "proposal holds", now: Date.now() })
 */
export async function changeAutonomy(db: MetricsDatabase, change: AutonomyChangeInput): Promise<StoredAutonomy> {
  const { from } = change;
  const [last] = await db
    .select({ hash: autonomyChanges.hash })
    .from(autonomyChanges)
    .where(subject(change.workflowId, change.action))
    .orderBy(desc(autonomyChanges.id))
    .limit(1);
  const prevHash = last?.hash ?? GENESIS_HASH;
  const proposing = change.kind === "proposed";
  const entry = {
    workflowId: change.workflowId,
    action: change.action,
    at: change.now,
    actor: change.actor,
    kind: change.kind,
    fromLevel: from.level,
    toLevel: change.toLevel,
    reason: change.reason.trim().slice(0, 500),
    evidence: change.evidence ?? null,
  };
  const hash = await chainHash(prevHash, hashedPart(entry));
  const row = {
    workflowId: change.workflowId,
    action: change.action,
    level: proposing ? from.level : change.toLevel,
    proposedLevel: proposing ? change.toLevel : null,
    revision: from.revision + 1,
    updatedAt: change.now,
    updatedBy: change.actor,
  };
  const move =
    from.revision === 0
      ? db.insert(autonomyLevels).values(row).onConflictDoNothing()
      : db
          .update(autonomyLevels)
          .set(row)
          .where(
            sql`${autonomyLevels.workflowId} = ${change.workflowId} AND ${autonomyLevels.action} = ${change.action} AND ${autonomyLevels.revision} = ${from.revision}`,
          );
  const [moved] = await db.batch([
    move,
    db.run(
      sql`INSERT INTO ${autonomyChanges} (workflow_id, action, at, actor, kind, from_level, to_level, reason, evidence, prev_hash, hash)
          SELECT ${entry.workflowId}, ${entry.action}, ${entry.at}, ${entry.actor}, ${entry.kind}, ${entry.fromLevel},
                 ${entry.toLevel}, ${entry.reason}, ${JSON.stringify(entry.evidence)}, ${prevHash}, ${hash}
          WHERE changes() = 1`,
    ),
  ]);
  if ((moved as { rowsAffected?: number }).rowsAffected !== 1)
    throw new AutonomyError(
      "stale_revision",
      `the autonomy of ${change.workflowId} ${change.action} changed meanwhile`,
    );
  return {
    level: row.level,
    proposedLevel: row.proposedLevel,
    since: change.kind === "promoted" || change.kind === "demoted" ? change.now : from.since,
    revision: row.revision,
  };
}

/**
 * Judges an action's evidence and records what it calls for: a proposal of the next rung, or a demotion. A change
 * made meanwhile by someone else wins (this returns its verdict unapplied; the next evaluation sees the new state).
 * @example await reviewAutonomy(db, { workflowId: "refund-dispute", action: "refund", rule }, Date.now())
 */
export async function reviewAutonomy(
  db: MetricsDatabase,
  target: { workflowId: string; action: string; rule: AutonomyRule },
  now: number,
): Promise<AutonomyVerdict & { applied: boolean }> {
  const { workflowId, action, rule } = target;
  const start = Math.min(rule.start, rule.rungs - 1);
  const state = await readAutonomy(db, workflowId, action, start);
  const evidence = await readCurrentEvidence(db, workflowId, action, state, rule.promoteAfter.cases);
  const verdict = judgeAutonomy(rule, state, evidence);
  if (verdict.kind === "hold") return { ...verdict, applied: false };
  try {
    await changeAutonomy(db, {
      workflowId,
      action,
      from: state,
      kind: verdict.kind === "propose" ? "proposed" : "demoted",
      toLevel: verdict.to,
      actor: "autonomy-check",
      reason: verdict.reason,
      evidence: { ...evidence.tally, recentProposals: evidence.recentProposals, refusal: evidence.refusal },
      now,
    });
    return { ...verdict, applied: true };
  } catch (error) {
    if (error instanceof AutonomyError && error.code === "stale_revision") return { ...verdict, applied: false };
    throw error;
  }
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
