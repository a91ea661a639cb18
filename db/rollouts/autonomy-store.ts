/**
 * Progressive autonomy in the metrics database: the level in force per workflow action (`autonomy_levels`), its
 * hash-chained history (`autonomy_changes`), and the judgment of the evidence (autonomy-evidence.ts) that moves it.
 * A change moves the level row only from the revision the writer read, and its log entry is written in the same
 * batch or not at all (as store.ts does for rollout policies).
 */
import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import type { MetricsDatabase } from "../client.ts";
import { autonomyChanges, autonomyLevels } from "../schema.ts";
import { type AutonomyRule, type AutonomyState, type AutonomyVerdict, judgeAutonomy } from "./autonomy.ts";
import { readCurrentEvidence } from "./autonomy-evidence.ts";
import { chainHash, GENESIS_HASH, verifyChain } from "./chain.ts";

/**
 * `reversed`: an action undone after the fact that did not demote (the level stays; a pending proposal is dropped);
 * `withdrawn`: a pending proposal the evidence no longer supports.
 */
export type AutonomyChangeKind = "proposed" | "promoted" | "demoted" | "reversed" | "withdrawn";

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
      kind: verdict.kind === "propose" ? "proposed" : verdict.kind === "demote" ? "demoted" : "withdrawn",
      toLevel: verdict.kind === "withdraw" ? state.level : verdict.to,
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
